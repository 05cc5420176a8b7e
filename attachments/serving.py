"""Sending an attachment to someone the forum has let see it."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

from .models import Attachment
from .storage import attachment_storage


def file_response(attachment: Attachment, *, thumbnail: bool = False) -> HttpResponse:
    """The file (or an image's thumbnail): images shown inline, documents only
    as downloads, and nothing a browser could run as a page."""
    name = attachment.thumbnail.name if thumbnail else attachment.file.name
    if not name:
        raise Http404("No such file.")
    content_type = "image/webp" if thumbnail else attachment.content_type
    if settings.ATTACHMENTS_ACCEL_REDIRECT:
        # nginx sends the file from its internal location; the check is done.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.ATTACHMENTS_ACCEL_REDIRECT + quote(name)
    else:
        try:
            opened = attachment_storage.open(name, "rb")
        except FileNotFoundError:
            raise Http404("No such file.") from None
        response = FileResponse(opened, content_type=content_type)
    if attachment.kind == Attachment.Kind.DOCUMENT:
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=attachment.name
        )
    else:
        response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the file may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    # Never in a shared cache: who may see it is decided per person, and a
    # hidden post's images must stop being served.
    patch_cache_control(response, private=True, max_age=3600)
    return response
