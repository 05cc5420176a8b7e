"""Uploads never shown in a post are deleted, with their files, once older than
ATTACHMENTS_UNATTACHED_DAYS, by the daily delete_unattached_uploads job."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from attachments.models import Attachment
from attachments.services import store
from attachments.storage import attachment_storage
from forum import services as forum


def files_of(attachment) -> list[str]:
    return [name for name in (attachment.file.name, attachment.thumbnail.name) if name]


def age(attachment, days: float) -> None:
    Attachment.objects.filter(pk=attachment.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_old_unattached_uploads_go_with_their_files_and_the_rest_stays(
    django_capture_on_commit_callbacks, settings, user, topic, photo, pdf
):
    settings.ATTACHMENTS_UNATTACHED_DAYS = 7
    old = store(owner=user, upload=photo(), description="Left in a draft")
    old_document = store(owner=user, upload=pdf())
    recent = store(owner=user, upload=photo(), description="Being written")
    posted = store(owner=user, upload=photo(), description="Posted long ago")
    forum.post_reply(topic=topic, author=user, body=f"![x](/a/{posted.pk}/)")
    for attachment in (old, old_document, posted):
        age(attachment, 8)
    age(recent, 6)
    gone = files_of(old) + files_of(old_document)
    kept = files_of(recent) + files_of(posted)
    assert all(attachment_storage.exists(name) for name in gone + kept)

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_unattached_uploads", stdout=out)

    assert out.getvalue().strip() == "2 unattached upload(s) deleted."
    assert set(Attachment.objects.values_list("pk", flat=True)) == {
        recent.pk,
        posted.pk,
    }
    assert not any(attachment_storage.exists(name) for name in gone)
    assert all(attachment_storage.exists(name) for name in kept)
