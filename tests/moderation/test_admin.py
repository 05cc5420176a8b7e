"""The topic admin's actions go through the moderation services."""

from moderation.models import AuditEntry


def test_admin_locks_topic_with_action(staff_client, topic):
    """The topic list's Lock action locks the topic."""
    response = staff_client.post(
        "/admin/forum/topic/", {"action": "lock", "_selected_action": [topic.pk]}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.is_locked


def test_admin_lock_is_logged(staff_client, topic):
    """Locking from the Django admin writes the same audit entry as the site."""
    staff_client.post(
        "/admin/forum/topic/", {"action": "lock", "_selected_action": [topic.pk]}
    )
    entry = AuditEntry.objects.get(topic=topic)
    assert entry.action == "lock"
