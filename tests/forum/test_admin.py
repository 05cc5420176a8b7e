import pytest
from django.test import Client

from forum.models import Post, Topic
from tests.factories import ReplyFactory


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/forum/category/",
        "/admin/forum/topic/",
        "/admin/forum/post/",
        "/admin/moderation/facilitator/",
    ],
)
def test_admin_pages_load(staff_client, topic, url):
    """Admins manage users, categories, topics, posts and facilitators."""
    assert staff_client.get(url).status_code == 200


def test_admin_post_edit_rerenders_html(staff_client, topic):
    """Editing a post's body in the admin re-renders its stored HTML."""
    post = ReplyFactory(topic=topic)
    response = staff_client.post(
        f"/admin/forum/post/{post.pk}/change/",
        {"subject": "", "body": "Now **bold**"},
    )
    assert response.status_code == 302
    post = Post.objects.get(pk=post.pk)
    assert post.body_html == "<p>Now <strong>bold</strong></p>\n"


def test_participants_cannot_use_admin(member_client):
    """The admin is for staff only: a signed-in participant is refused."""
    assert member_client.get("/admin/forum/post/").status_code == 403


def test_admin_post_edit_bumps_versions_and_kept_page(staff_client, topic):
    """A post edited in the admin changes its and its topic's versions, so the
    signed-out page kept under the old ETag is not served again."""
    client = Client()
    post = ReplyFactory(topic=topic, body="Before the admin edit")
    url = topic.get_absolute_url()
    first = client.get(url)
    assert "Before the admin edit" in first.content.decode()
    topic_version = Topic.objects.get(pk=topic.pk).version
    post_version = Post.objects.get(pk=post.pk).version
    response = staff_client.post(
        f"/admin/forum/post/{post.pk}/change/",
        {"subject": "", "body": "After the admin edit"},
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).version == topic_version + 1
    assert Post.objects.get(pk=post.pk).version == post_version + 1
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "After the admin edit" in again.content.decode()
    assert "Before the admin edit" not in again.content.decode()
