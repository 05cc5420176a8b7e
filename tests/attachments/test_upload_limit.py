"""A file past ATTACHMENTS_MAX_FILE_MB stops being read as it arrives, without
nginx in front (make run, make serve): Django's handlers never keep more than
the limit of it, and the person gets the forum's refusal with their text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.test import override_settings
from django.urls import reverse

from attachments.models import Attachment
from forum.models import Draft, Post
from tests.helpers import html

MB = 1024 * 1024
REFUSAL = "This file is too large: a file can be at most 8 MB."


def nine_megabytes(name="holiday.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff" + bytes(9 * MB), "image/jpeg")


class Recorder(FileUploadHandler):
    """Counts, on the request, what reaches the handlers after the limit's."""

    def receive_data_chunk(self, raw_data, start):
        self.request.passed_on = start + len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


def test_the_script_is_told_the_file_is_too_large(member_client, topic):
    response = member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "description": "A beach",
            "attachment": nine_megabytes(),
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"error": REFUSAL}
    assert not Attachment.objects.exists()


def test_without_javascript_the_refusal_is_shown_and_the_text_kept(
    member_client, user, topic
):
    response = member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "body": "The sea was calm that week.",
            "description": "A beach",
            "attachment": nine_megabytes(),
            "attach": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert REFUSAL in html(response)
    assert "The sea was calm that week." in html(response)
    assert Draft.objects.get(user=user).body == "The sea was calm that week."
    assert not Attachment.objects.exists()


def test_a_too_large_file_with_post_pressed_is_not_left_out_silently(
    member_client, user, topic
):
    """The reply is not posted without the file its writer chose: the form
    comes back with the refusal and the text."""
    response = member_client.post(
        reverse("forum:reply", args=[topic.pk]),
        {
            "kind": "reply",
            "target": topic.pk,
            "subject": "",
            "body": "Here is the photo.",
            "description": "A beach",
            "attachment": nine_megabytes(),
            "submission_key": "k-large",
            "post": "1",
        },
        follow=True,
    )
    assert REFUSAL in html(response)
    assert "Here is the photo." in html(response)
    assert not Post.objects.filter(author=user).exists()


@override_settings(
    ATTACHMENTS_MAX_FILE_MB=1,
    FILE_UPLOAD_HANDLERS=[
        "attachments.uploadhandlers.FileSizeLimitHandler",
        "tests.attachments.test_upload_limit.Recorder",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ],
)
@pytest.mark.parametrize("megabytes", [3, 30])
def test_reading_stops_at_the_limit(member_client, topic, megabytes):
    """However large the file, what is kept of it stops within a chunk
    (64 KB) of the limit."""
    response = member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "attachment": SimpleUploadedFile("big.bin", bytes(megabytes * MB)),
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {
        "error": "This file is too large: a file can be at most 1 MB."
    }
    assert 1 * MB - 64 * 1024 < response.wsgi_request.passed_on <= 1 * MB


def test_a_file_within_the_limit_is_read_whole(member_client, topic, pdf):
    response = member_client.post(
        reverse("forum:upload"),
        {"kind": "reply", "target": topic.pk, "attachment": pdf()},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    assert Attachment.objects.get().kind == "document"
