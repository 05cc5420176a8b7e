"""Where attachment files are kept: settings.STORAGES["attachments"] (a
directory outside static by default, or an S3-compatible bucket). Code reaches
the files only through this storage's API: open, save, delete, exists."""

from django.core.files.storage import storages
from django.utils.functional import LazyObject


class _AttachmentStorage(LazyObject):
    # Lazy, so that tests overriding STORAGES get the storage they set.
    def _setup(self):
        self._wrapped = storages["attachments"]


attachment_storage = _AttachmentStorage()


def select_storage():
    """For the models' FileFields: a callable, so that migrations name this
    function rather than one machine's directory."""
    return storages["attachments"]
