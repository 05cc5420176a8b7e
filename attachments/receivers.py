from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Attachment
from .services import delete_files_after_commit


@receiver(post_delete, sender=Attachment)
def delete_files(sender, instance: Attachment, **kwargs):
    # Every way a row goes (a post deleted, an account's posts erased, the
    # clean-up of old uploads) takes its files with it.
    delete_files_after_commit([instance.file.name, instance.thumbnail.name])
