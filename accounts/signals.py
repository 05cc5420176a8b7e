"""What accounts asks of, or announces to, the apps built on it."""

from django.dispatch import Signal

# A user's data is being exported (accounts.services.export_user_data): each
# receiver returns a dict of the sections it holds about the user, merged into
# the export. Sent outside any transaction; receivers only read. kwargs: user
# (User).
personal_data_requested = Signal()

# The files a user's data download holds besides its JSON (their uploads):
# each receiver returns a list of (path inside the archive, a callable opening
# the file for binary reading). Sent by accounts.services.write_user_archive,
# outside any transaction; receivers only read. kwargs: user (User).
personal_files_requested = Signal()

# What other readers see of a user changed everywhere at once (their display
# name or signature, or the account is deleted). Sent by accounts.services
# inside the writing transaction; the forum marks its pages changed.
user_shown_changed = Signal()

# A user's display name changed. Sent by accounts.services.update_profile inside
# the writing transaction; the forum updates the name snapshots on posts and
# topics. kwargs: user (User, already renamed).
user_renamed = Signal()

# accounts keeps a signature as markdown and as HTML; the forum owns markdown.
# Sent by accounts.services.update_profile: the first receiver returns the
# sanitised HTML of the text. kwargs: text (str).
signature_rendering = Signal()

# An account is about to be deleted (accounts.services.delete_account). Sent
# inside the deleting transaction, with the user row locked and before it goes:
# each app keeps or erases what it holds of the user. kwargs: user (User),
# remove_posts (bool: erase the text of their posts).
account_deleting = Signal()
