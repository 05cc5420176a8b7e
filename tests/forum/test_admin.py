import pytest

from forum.models import Post
from tests.factories import ReplyFactory, UserFactory


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True))
    return client


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
def test_admin_pages_load(admin_client, topic, url):
    """Admins manage users, categories, topics, posts and facilitators."""
    assert admin_client.get(url).status_code == 200


def test_admin_locks_topic_with_action(admin_client, topic):
    """The topic list's Lock action locks the topic."""
    response = admin_client.post(
        "/admin/forum/topic/", {"action": "lock", "_selected_action": [topic.pk]}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.is_locked


def test_admin_post_edit_rerenders_html(admin_client, topic):
    """Editing a post's body in the admin re-renders its stored HTML."""
    post = ReplyFactory(topic=topic)
    response = admin_client.post(
        f"/admin/forum/post/{post.pk}/change/",
        {"subject": "", "body": "Now **bold**"},
    )
    assert response.status_code == 302
    post = Post.objects.get(pk=post.pk)
    assert post.body_html == "<p>Now <strong>bold</strong></p>\n"


def test_participants_cannot_use_admin(member_client):
    """The admin is for staff only."""
    assert member_client.get("/admin/forum/post/").status_code == 302


def test_admin_lock_is_logged(admin_client, topic):
    """Locking from the Django admin writes the same audit entry as the site."""
    from moderation.models import AuditEntry

    admin_client.post(
        "/admin/forum/topic/", {"action": "lock", "_selected_action": [topic.pk]}
    )
    entry = AuditEntry.objects.get(topic=topic)
    assert entry.action == "lock"
