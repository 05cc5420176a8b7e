"""An attachment is visible exactly to those who may read its post's text; to
anyone else every address of it answers the same 404 as a file that does not
exist."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from accounts.services import delete_account
from attachments.models import Attachment
from attachments.storage import attachment_storage
from forum import services
from forum.models import Category
from moderation import services as moderation_services
from moderation.models import Member
from tests.factories import CategoryFactory, TopicFactory, UserFactory, make_facilitator
from tests.helpers import configure, signed_in


def upload(user, topic, file, description="A photo") -> Attachment:
    client = signed_in(user)
    response = client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "description": description,
            "attachment": file,
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    return Attachment.objects.latest("pk")


def addresses(attachment) -> list[str]:
    urls = [reverse("forum:attachment", args=[attachment.pk])]
    if attachment.is_image:
        urls.append(reverse("forum:attachment_thumbnail", args=[attachment.pk]))
    return urls


def missing() -> list[int]:
    return [
        Client().get(reverse("forum:attachment", args=[999_999])).status_code,
        Client().get(reverse("forum:attachment_thumbnail", args=[999_999])).status_code,
    ]


@pytest.fixture
def members_only():
    category = CategoryFactory(name="Circle", slug="circle")
    return configure(category, visibility=Category.Visibility.PRIVATE)


@pytest.fixture
def member(members_only):
    person = UserFactory(display_name="Nadia Member")
    Member.objects.create(user=person, category=members_only)
    return person


@pytest.fixture
def posted_in_members_only(members_only, member, photo):
    topic = TopicFactory(category=members_only, author=member)
    attachment = upload(member, topic, photo())
    services.post_reply(
        topic=topic, author=member, body=f"![A photo](/a/{attachment.pk}/)"
    )
    attachment.refresh_from_db()
    assert attachment.post is not None
    return attachment


def outsiders():
    return {
        "signed out": Client(),
        "signed in, not a member": signed_in(UserFactory()),
    }


def test_members_see_a_members_only_image_and_outsiders_get_404(
    posted_in_members_only, member
):
    for url in addresses(posted_in_members_only):
        assert signed_in(member).get(url).status_code == 200
        for who, client in outsiders().items():
            response = client.get(url)
            assert response.status_code == 404, (who, url)
    assert missing() == [404, 404]


def test_every_read_path_of_a_members_only_file_is_404_for_outsiders(
    members_only, member, posted_in_members_only, pdf
):
    topic = posted_in_members_only.post.topic
    document = upload(member, topic, pdf())
    services.post_reply(topic=topic, author=member, body=f"[notes](/a/{document.pk}/)")
    paths = [
        *addresses(posted_in_members_only),
        *addresses(document),
        reverse("forum:topic", args=[topic.pk]),
        reverse("forum:post", args=[posted_in_members_only.post_id]),
        reverse("forum:topic_atom", args=[topic.pk]),
        reverse("forum:topic_rss", args=[topic.pk]),
        f"{reverse('forum:search')}?q=photo",
    ]
    for who, client in outsiders().items():
        for path in paths:
            response = client.get(path)
            if path.startswith("/a/"):
                assert response.status_code == 404, (who, path)
                # HEAD too: the same answer without the body.
                assert client.head(path).status_code == 404, (who, path)
            else:
                page = response.content.decode(errors="replace")
                assert f"/a/{posted_in_members_only.pk}/" not in page, (who, path)


def test_a_hidden_posts_images_are_hidden_with_it(
    category, user, other_user, facilitator, photo
):
    topic = TopicFactory(category=category, author=other_user)
    attachment = upload(user, topic, photo())
    post = services.post_reply(
        topic=topic, author=user, body=f"![A photo](/a/{attachment.pk}/)"
    )
    url = reverse("forum:attachment", args=[attachment.pk])
    assert Client().get(url).status_code == 200
    moderation_services.hide_post(post=post, actor=facilitator, reason="Off topic")
    assert Client().get(url).status_code == 404
    assert signed_in(other_user).get(url).status_code == 404
    assert signed_in(user).get(url).status_code == 200
    assert signed_in(facilitator).get(url).status_code == 200


def test_a_post_awaiting_approval_shows_its_image_to_its_author_and_facilitators(
    category, other_user, photo
):
    category = configure(category, approval_threshold=1)
    facilitator = make_facilitator(category)
    newcomer = UserFactory()
    topic = TopicFactory(category=category, author=other_user)
    attachment = upload(newcomer, topic, photo())
    post = services.post_reply(
        topic=topic, author=newcomer, body=f"![A photo](/a/{attachment.pk}/)"
    )
    assert not post.is_published
    url = reverse("forum:attachment", args=[attachment.pk])
    assert Client().get(url).status_code == 404
    assert signed_in(other_user).get(url).status_code == 404
    assert signed_in(newcomer).get(url).status_code == 200
    assert signed_in(facilitator).get(url).status_code == 200


def test_an_upload_not_yet_posted_is_its_uploaders_alone(
    user, other_user, topic, photo
):
    attachment = upload(user, topic, photo())
    for url in addresses(attachment):
        assert signed_in(user).get(url).status_code == 200
        assert signed_in(other_user).get(url).status_code == 404
        assert Client().get(url).status_code == 404


def test_documents_are_downloads_that_cannot_run(user, topic, pdf):
    attachment = upload(user, topic, pdf("plan.pdf"))
    client = signed_in(user)
    response = client.get(reverse("forum:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]
    thumbnail = reverse("forum:attachment_thumbnail", args=[attachment.pk])
    assert client.get(thumbnail).status_code == 404


def test_images_are_shown_inline_as_webp(user, topic, photo):
    attachment = upload(user, topic, photo())
    response = signed_in(user).get(
        reverse("forum:attachment_thumbnail", args=[attachment.pk])
    )
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == "inline"
    assert b"".join(response.streaming_content)[8:12] == b"WEBP"


@override_settings(ATTACHMENTS_ACCEL_REDIRECT="/_attachments/")
def test_in_production_nginx_sends_the_file_after_the_check(user, topic, photo):
    attachment = upload(user, topic, photo())
    response = signed_in(user).get(reverse("forum:attachment", args=[attachment.pk]))
    assert response["X-Accel-Redirect"] == f"/_attachments/{attachment.file.name}"
    assert response.content == b""
    outsider = Client().get(reverse("forum:attachment", args=[attachment.pk]))
    assert outsider.status_code == 404
    assert "X-Accel-Redirect" not in outsider


def test_deleting_an_account_with_its_posts_deletes_their_files(
    django_capture_on_commit_callbacks, user, topic, photo
):
    attachment = upload(user, topic, photo())
    services.post_reply(
        topic=topic, author=user, body=f"![A photo](/a/{attachment.pk}/)"
    )
    names = [attachment.file.name, attachment.thumbnail.name]
    assert all(attachment_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=user, actor=user, remove_posts=True)
    assert not Attachment.objects.exists()
    assert not any(attachment_storage.exists(name) for name in names)


def test_deleting_an_account_but_keeping_its_posts_keeps_their_images(
    django_capture_on_commit_callbacks, user, topic, photo
):
    unposted = upload(user, topic, photo())
    attachment = upload(user, topic, photo())
    services.post_reply(
        topic=topic, author=user, body=f"![A photo](/a/{attachment.pk}/)"
    )
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=user, actor=user, remove_posts=False)
    assert not Attachment.objects.filter(pk=unposted.pk).exists()
    assert not attachment_storage.exists(unposted.file.name)
    attachment.refresh_from_db()
    assert attachment.owner is None
    url = reverse("forum:attachment", args=[attachment.pk])
    assert Client().get(url).status_code == 200
