"""A dialogue's export carries its images and files: the HTML page shows the
images (the forum serves them to the facilitator), and the Markdown export
comes as a zip holding the files with the document linking to them. Only the
files of posts the export shows are in it; consent is about names, not images."""

import io
import re
import zipfile

import pytest
from django.urls import reverse

from accounts.services import set_export_consent
from attachments.services import store
from attachments.storage import attachment_storage
from forum import services as forum
from moderation import services as moderation
from tests.factories import TopicFactory, UserFactory, make_facilitator
from tests.helpers import count_queries, html, signed_in


def stored_bytes(name: str) -> bytes:
    with attachment_storage.open(name, "rb") as opened:
        return opened.read()


def suffix(name: str) -> str:
    return name[name.rindex(".") :]


@pytest.fixture
def dialogue(category, photo, pdf):
    """A locked dialogue: Bob (who declined to be named) shows a photo and
    links a document; Dave's photo is in a post hidden since."""
    facilitator = make_facilitator(category)
    bob = UserFactory(display_name="Bob Secret")
    dave = UserFactory(display_name="Dave Hidden")
    set_export_consent(user=bob, named=False)
    topic = TopicFactory(category=category, author=facilitator, title="Our street")
    image = store(owner=bob, upload=photo(), description="The corner shop")
    document = store(owner=bob, upload=pdf("plan.pdf"))
    shown = forum.post_reply(
        topic=topic,
        author=bob,
        body=(
            f"Here it is: ![The corner shop](/a/{image.pk}/)\n\n"
            f"And the [plan.pdf](/a/{document.pk}/)."
        ),
    )
    hidden_image = store(owner=dave, upload=photo(color=(9, 9, 9)), description="X")
    hidden = forum.post_reply(
        topic=topic, author=dave, body=f"![X](/a/{hidden_image.pk}/)"
    )
    moderation.hide_post(post=hidden, actor=facilitator, reason="Personal details")
    moderation.lock_topic(topic=topic, actor=facilitator)
    return {
        "topic": topic,
        "facilitator": facilitator,
        "image": image,
        "document": document,
        "hidden_image": hidden_image,
        "shown": shown,
    }


def test_the_html_export_shows_the_images_of_the_posts_shown(dialogue):
    client = signed_in(dialogue["facilitator"])
    topic, image = dialogue["topic"], dialogue["image"]
    page = html(client.get(reverse("facilitation:export", args=[topic.pk])))
    img = re.search(rf'<img src="/a/{image.pk}/thumb/"[^>]*>', page)[0]
    assert 'alt="The corner shop"' in img
    assert f'width="{image.thumbnail_width}"' in img
    assert f'href="/a/{dialogue["document"].pk}/"' in page
    assert f"/a/{dialogue['hidden_image'].pk}/" not in page
    # Bob declined to be named: his image is there, his name is not.
    assert "Bob Secret" not in page
    for url in (
        reverse("forum:attachment", args=[image.pk]),
        reverse("forum:attachment_thumbnail", args=[image.pk]),
        reverse("forum:attachment", args=[dialogue["document"].pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_markdown_export_is_a_zip_with_the_files(dialogue):
    client = signed_in(dialogue["facilitator"])
    topic = dialogue["topic"]
    image, document = dialogue["image"], dialogue["document"]
    response = client.get(reverse("facilitation:export_md", args=[topic.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="our-street-{topic.pk}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))

    large = f"files/{image.pk}{suffix(image.file.name)}"
    thumbnail = f"files/{image.pk}-thumb.webp"
    plan = f"files/{document.pk}.pdf"
    assert sorted(archive.namelist()) == sorted(["dialogue.md", large, thumbnail, plan])
    assert archive.read(large) == stored_bytes(image.file.name)
    assert archive.read(thumbnail) == stored_bytes(image.thumbnail.name)
    assert archive.read(plan) == stored_bytes(document.file.name)

    text = archive.read("dialogue.md").decode()
    assert f"[![The corner shop]({thumbnail})]({large})" in text
    assert f"[plan.pdf]({plan})" in text
    assert "/a/" not in text
    assert "Bob Secret" not in text

    hidden = dialogue["hidden_image"]
    assert not [name for name in archive.namelist() if f"/{hidden.pk}" in name]
    hidden_bytes = stored_bytes(hidden.file.name)
    assert all(archive.read(name) != hidden_bytes for name in archive.namelist())


def test_a_file_missing_from_the_storage_leaves_the_rest_of_the_zip(dialogue):
    document = dialogue["document"]
    attachment_storage.delete(document.file.name)
    client = signed_in(dialogue["facilitator"])
    response = client.get(
        reverse("facilitation:export_md", args=[dialogue["topic"].pk])
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "dialogue.md" in archive.namelist()
    assert f"files/{document.pk}.pdf" not in archive.namelist()
    assert len(archive.namelist()) == 3


def test_a_dialogue_without_files_still_exports_one_markdown_file(category, other_user):
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, author=facilitator, title="Plain")
    # An image whose post is hidden is no file of the export.
    hidden = forum.post_reply(topic=topic, author=other_user, body="Words only.")
    moderation.hide_post(post=hidden, actor=facilitator, reason="Off topic")
    moderation.lock_topic(topic=topic, actor=facilitator)
    response = signed_in(facilitator).get(
        reverse("facilitation:export_md", args=[topic.pk])
    )
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'plain-{topic.pk}.md"')


def test_the_exports_take_the_same_queries_however_many_posts_have_images(
    category, photo
):
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, author=facilitator)

    def add_post():
        author = UserFactory()
        image = store(owner=author, upload=photo(size=(60, 40)), description="A")
        forum.post_reply(topic=topic, author=author, body=f"![A](/a/{image.pk}/)")

    add_post()
    moderation.lock_topic(topic=topic, actor=facilitator)
    client = signed_in(facilitator)
    url = reverse("facilitation:export", args=[topic.pk])
    client.get(url)
    one = count_queries(client, url)
    moderation.unlock_topic(topic=topic, actor=facilitator)
    for _ in range(3):
        add_post()
    moderation.lock_topic(topic=topic, actor=facilitator)
    assert html(client.get(url)).count("<img ") == 4
    assert count_queries(client, url) == one
