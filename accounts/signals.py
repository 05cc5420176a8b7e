"""What accounts asks of, or announces to, the apps built on it."""

from django.dispatch import Signal

# A user's data is being exported (accounts.services.export_user_data): each
# receiver returns a dict of the sections it holds about the user, merged into
# the export. Sent outside any transaction; receivers only read. kwargs: user
# (User).
personal_data_requested = Signal()

# What other readers see of a user changed everywhere at once (their display
# name or signature, or the account is deleted). Sent by accounts.services
# inside the writing transaction; the forum marks its pages changed.
user_shown_changed = Signal()
