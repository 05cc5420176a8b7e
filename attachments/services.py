"""Writes of attachments: storing an upload, giving it to the post that shows
it, deleting files with their rows."""

import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from . import processing
from .models import Attachment
from .processing import Refused
from .storage import attachment_storage

MB = 1024 * 1024


def max_file_bytes() -> int:
    return settings.ATTACHMENTS_MAX_FILE_MB * MB


def max_post_bytes() -> int:
    return settings.ATTACHMENTS_MAX_POST_MB * MB


def _stored_name(extension: str, suffix: str = "") -> str:
    """A random name: the uploaded file's own name may say who or where."""
    month = timezone.now().strftime("%Y/%m")
    return f"{month}/{secrets.token_urlsafe(18)}{suffix}.{extension}"


def store(*, owner, upload, used: int = 0, description: str = "") -> Attachment:
    """Check, clean and keep one uploaded file for owner; used is what the post
    being written already attaches (the per-post limit), description what an
    image shows, for people who cannot see it (required). Raises Refused with a
    message for the person."""
    if used + (upload.size or 0) > max_post_bytes():
        raise Refused(
            _(
                "A post can carry at most %(limit)s of files; this one already has "
                "%(used)s, and this file is %(size)s."
            )
            % {
                "limit": filesizeformat(max_post_bytes()),
                "used": filesizeformat(used),
                "size": filesizeformat(upload.size),
            }
        )
    prepared = processing.prepare(
        upload,
        max_bytes=max_file_bytes(),
        max_pixels=settings.ATTACHMENTS_MAX_PIXELS,
    )
    if prepared.kind == Attachment.Kind.IMAGE and not description.strip():
        raise Refused(
            _(
                "Describe the image in a few words, for people who cannot see "
                "it, then attach it again."
            )
        )
    saved = []
    try:
        file_name = attachment_storage.save(
            _stored_name(prepared.extension), ContentFile(prepared.data)
        )
        saved.append(file_name)
        attachment = Attachment(
            owner=owner,
            kind=prepared.kind,
            name=prepared.name,
            content_type=prepared.content_type,
            file=file_name,
            size=len(prepared.data),
            width=prepared.width,
            height=prepared.height,
        )
        thumbnail = prepared.thumbnail
        if thumbnail is not None:
            thumbnail_name = attachment_storage.save(
                _stored_name(thumbnail.extension, "-t"), ContentFile(thumbnail.data)
            )
            saved.append(thumbnail_name)
            attachment.thumbnail = thumbnail_name
            attachment.thumbnail_width = thumbnail.width
            attachment.thumbnail_height = thumbnail.height
            attachment.size += len(thumbnail.data)
        attachment.save()
    except BaseException:
        _delete_files(saved)
        raise
    return attachment


def attach_to_post(*, post, ids: list[int]) -> int:
    """Give the author's uploads that post shows to the post (inside the
    transaction that saves it): from now on whoever may read the post may
    fetch them, and nobody else."""
    if not ids or post.author_id is None:
        return 0
    return Attachment.objects.filter(
        pk__in=ids, owner_id=post.author_id, post__isnull=True
    ).update(post=post)


def delete_of_posts(post_ids) -> int:
    """Delete the attachments of posts whose text is erased; their files go
    once the transaction commits (receivers)."""
    deleted, _ = Attachment.objects.filter(post_id__in=post_ids).delete()
    return deleted


def delete_unattached(*, older_than) -> int:
    """Delete uploads never shown in a post and older than the given time."""
    deleted, _ = Attachment.objects.filter(
        post__isnull=True, created_at__lt=older_than
    ).delete()
    return deleted


def _delete_files(names) -> None:
    for name in names:
        if name:
            attachment_storage.delete(name)


def delete_files_after_commit(names) -> None:
    """Files are removed only once their rows are gone for good: a rolled-back
    deletion keeps both."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: _delete_files(names))
