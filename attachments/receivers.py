from functools import partial
from pathlib import PurePosixPath

from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import User
from accounts.services import export_time
from accounts.signals import (
    account_deleting,
    personal_data_requested,
    personal_files_requested,
)

from . import queries
from .models import Attachment
from .services import delete_files_after_commit
from .storage import attachment_storage


@receiver(post_delete, sender=Attachment)
def delete_files(sender, instance: Attachment, **kwargs):
    # Every way a row goes (a post deleted, an account's posts erased, the
    # clean-up of old uploads) takes its files with it.
    delete_files_after_commit([instance.file.name, instance.thumbnail.name])


@receiver(account_deleting)
def delete_unposted_uploads(sender, user, **kwargs):
    # Uploads never shown in a post go with the account at once; those in its
    # posts stay with the posts (or go with their text, forum.services.
    # remove_author).
    Attachment.objects.filter(owner=user, post__isnull=True).delete()


def archive_path(attachment: Attachment) -> str:
    """Where an upload is in the person's data download: uploads/ID.EXT."""
    return f"uploads/{attachment.pk}{PurePosixPath(attachment.file.name).suffix}"


@receiver(personal_data_requested, dispatch_uid="attachments.personal_data")
def personal_data(sender, *, user: User, **kwargs) -> dict:
    """What the user uploaded (images as the forum keeps them, without their
    metadata), each with where its file is in the download."""
    return {
        "uploads": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "name": attachment.name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "created_at": export_time(attachment.created_at),
                "post_id": attachment.post_id,
                "file": archive_path(attachment),
            }
            for attachment in queries.of_owner(user)
        ]
    }


@receiver(personal_files_requested, dispatch_uid="attachments.personal_files")
def personal_files(sender, *, user: User, **kwargs) -> list:
    return [
        (
            archive_path(attachment),
            partial(attachment_storage.open, attachment.file.name, "rb"),
        )
        for attachment in queries.of_owner(user)
    ]
