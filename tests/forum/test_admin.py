import pytest

from forum.models import Post
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
    """The admin is for staff only."""
    assert member_client.get("/admin/forum/post/").status_code == 302
