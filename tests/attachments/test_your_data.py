""" "Download your data" holds a person's uploads: the list in data.json and the
files themselves under uploads/, for the person and for an admin downloading it
for them; nobody else's."""

import json

from django.urls import reverse

from attachments.services import store
from attachments.storage import attachment_storage
from forum import services as forum
from tests.helpers import data_archive, signed_in


def stored_bytes(name: str) -> bytes:
    with attachment_storage.open(name, "rb") as opened:
        return opened.read()


def uploads(user, other_user, topic, photo, pdf):
    image = store(owner=user, upload=photo(), description="My street")
    post = forum.post_reply(topic=topic, author=user, body=f"![x](/a/{image.pk}/)")
    draft_only = store(owner=user, upload=pdf("letter.pdf"))
    someone_elses = store(owner=other_user, upload=photo(), description="Theirs")
    return image, post, draft_only, someone_elses


def test_the_data_download_holds_the_persons_uploads(
    member_client, user, other_user, topic, photo, pdf
):
    image, post, letter, theirs = uploads(user, other_user, topic, photo, pdf)
    response = member_client.get(reverse("accounts:download_data"))
    archive = data_archive(response)

    extension = image.file.name.rsplit(".", 1)[1]
    image_path = f"uploads/{image.pk}.{extension}"
    letter_path = f"uploads/{letter.pk}.pdf"
    assert sorted(archive.namelist()) == sorted(["data.json", image_path, letter_path])
    assert archive.read(image_path) == stored_bytes(image.file.name)
    assert archive.read(letter_path) == stored_bytes(letter.file.name)

    listed = json.loads(archive.read("data.json"))["uploads"]
    assert listed == [
        {
            "id": image.pk,
            "kind": "image",
            "name": "",
            "content_type": image.content_type,
            "size": image.size,
            "created_at": image.created_at.isoformat(),
            "post_id": post.pk,
            "file": image_path,
        },
        {
            "id": letter.pk,
            "kind": "document",
            "name": "letter.pdf",
            "content_type": "application/pdf",
            "size": letter.size,
            "created_at": letter.created_at.isoformat(),
            "post_id": None,
            "file": letter_path,
        },
    ]
    assert not [name for name in archive.namelist() if f"/{theirs.pk}." in name]


def test_an_admin_downloads_a_users_uploads_from_their_page(
    admin, user, other_user, topic, photo, pdf
):
    _, _, letter, _ = uploads(user, other_user, topic, photo, pdf)
    response = signed_in(admin).get(reverse("moderation:user_data", args=[user.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="forum-data-{user.username}.zip"'
    )
    archive = data_archive(response)
    assert archive.read(f"uploads/{letter.pk}.pdf") == stored_bytes(letter.file.name)
    assert len(archive.namelist()) == 3


def test_a_file_missing_from_the_storage_leaves_the_rest_of_the_download(
    member_client, user, other_user, topic, photo, pdf
):
    _, _, letter, _ = uploads(user, other_user, topic, photo, pdf)
    attachment_storage.delete(letter.file.name)
    archive = data_archive(member_client.get(reverse("accounts:download_data")))
    assert len(archive.namelist()) == 2
    assert f"uploads/{letter.pk}.pdf" not in archive.namelist()
