from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.signals import account_deleting

from .models import Attachment
from .services import delete_files_after_commit


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
