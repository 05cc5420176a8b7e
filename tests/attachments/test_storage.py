"""Attachments go through Django's storage API only: the whole life of a file
(upload, post, fetch, delete) works on a storage with no local path at all,
and a bucket is a matter of settings."""

import pytest
from django.core.files.storage import InMemoryStorage
from django.urls import reverse
from django.utils.functional import empty

from accounts.services import delete_account
from attachments.models import Attachment
from attachments.storage import attachment_storage
from forum.models import Post
from tests.config.test_settings import SETUP, run_with


@pytest.fixture
def in_memory(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    # The lazy storage keeps the backend it first met: it meets this one.
    attachment_storage._wrapped = empty
    yield
    attachment_storage._wrapped = empty


def files_in(directory) -> set:
    return {path for path in directory.rglob("*") if path.is_file()}


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def test_upload_post_fetch_and_delete_on_a_storage_without_paths(
    in_memory, settings, member_client, user, topic, photo, pdf,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    on_disk = files_in(settings.ATTACHMENTS_DIR)
    markdown = [
        member_client.post(
            reverse("forum:upload"),
            {"kind": "reply", "target": topic.pk, "attachment": file, **fields},
            HTTP_ACCEPT="application/json",
        ).json()["markdown"]
        for file, fields in [(photo(), {"description": "A market"}), (pdf(), {})]
    ]
    response = member_client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": "\n\n".join(markdown), "subject": "", "submission_key": "k-mem"},
    )
    assert response.status_code == 302
    post = Post.objects.get(author=user)
    image, document = Attachment.objects.filter(post=post).order_by("pk")
    assert isinstance(attachment_storage._wrapped, InMemoryStorage)
    names = [image.file.name, image.thumbnail.name, document.file.name]

    for url, name in [
        (reverse("forum:attachment", args=[image.pk]), image.file.name),
        (reverse("forum:attachment_thumbnail", args=[image.pk]), image.thumbnail.name),
        (reverse("forum:attachment", args=[document.pk]), document.file.name),
    ]:
        fetched = member_client.get(url)
        assert fetched.status_code == 200
        # Read whole before the storage is opened again: in memory, both are
        # the same file object.
        body = read(fetched)
        with attachment_storage.open(name, "rb") as stored:
            assert body == stored.read()

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=user, actor=user, remove_posts=True)
    assert not Attachment.objects.exists()
    assert not any(attachment_storage.exists(name) for name in names)
    assert files_in(settings.ATTACHMENTS_DIR) == on_disk


def test_a_bucket_is_chosen_by_settings():
    """With ATTACHMENTS_S3_BUCKET the files go to that bucket through
    django-storages, private, never overwritten (nothing is sent anywhere to
    find this out)."""
    result = run_with(
        "config.settings.base",
        SETUP + "from django.core.files.storage import storages; "
        "s = storages['attachments']; "
        "print(type(s).__module__, type(s).__name__, s.bucket_name, s.default_acl, "
        "s.file_overwrite, s.location, s.endpoint_url)",
        DJANGO_SECRET_KEY="x" * 50,
        ATTACHMENTS_S3_BUCKET="forum-files",
        ATTACHMENTS_S3_ENDPOINT="https://s3.example.org",
        ATTACHMENTS_S3_PREFIX="uploads",
        AWS_EC2_METADATA_DISABLED="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3",
        "S3Storage",
        "forum-files",
        "private",
        "False",
        "uploads",
        "https://s3.example.org",
    ]


def test_nginx_cannot_be_told_to_send_files_from_a_bucket():
    result = run_with(
        "config.settings.base",
        SETUP + "print(settings.ATTACHMENTS_ACCEL_REDIRECT)",
        DJANGO_SECRET_KEY="x" * 50,
        ATTACHMENTS_S3_BUCKET="forum-files",
        ATTACHMENTS_ACCEL_REDIRECT="/_attachments/",
    )
    assert result.returncode != 0
    assert "leave it empty" in result.stderr
