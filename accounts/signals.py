from django.dispatch import Signal

# Sent by accounts.services inside the writing transaction when what other
# readers see of a user changes everywhere at once (their display name or
# signature, or the account is deleted); the forum marks its pages changed.
user_shown_changed = Signal()
