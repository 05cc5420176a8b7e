"""Reading uploaded files with a bound. In production nginx refuses a body much
larger than a file may be; without it (make run, make serve) Django would write
a huge upload to disk in full only to refuse it after. First in
settings.FILE_UPLOAD_HANDLERS, this handler passes each chunk on to Django's own
handlers and drops the file once it is past ATTACHMENTS_MAX_FILE_MB: the rest of
it is read and thrown away, the form's other fields are kept, and the view
explains the refusal (too_large)."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext as _

from .processing import Refused
from .services import max_file_bytes

# The request attribute naming the fields whose file was dropped, with the bytes
# read of it when it was.
DROPPED = "uploads_too_large"


class FileSizeLimitHandler(FileUploadHandler):
    """Passes uploads on while they stay within the per-file limit; skips the
    file that goes past it (the handlers after it never see more than the
    limit, so a temporary file stays that small)."""

    def receive_data_chunk(self, raw_data, start):
        received = start + len(raw_data)
        if received > max_file_bytes():
            dropped = getattr(self.request, DROPPED, {})
            dropped[self.field_name] = received
            setattr(self.request, DROPPED, dropped)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        # The file object comes from the handlers after this one.
        return None


def was_dropped(request, field_name: str) -> bool:
    """Whether the file sent in field_name was past the per-file limit (and so
    is not in request.FILES)."""
    return field_name in getattr(request, DROPPED, {})


def too_large() -> Refused:
    """The refusal of a file past the per-file limit, for the person who sent it."""
    return Refused(
        _("This file is too large: a file can be at most %(limit)s.")
        % {"limit": _("%(number)s MB") % {"number": settings.ATTACHMENTS_MAX_FILE_MB}}
    )
