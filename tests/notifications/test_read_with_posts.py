"""What a reader was told about posts is read once the topic page has shown
them those posts; the rest stays unread."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from notifications.models import Notification
from tests.factories import UserFactory
from tests.helpers import fresh, signed_in


def test_reading_the_topic_reads_its_notifications(dialogue, starter, settings):
    settings.FORUM_POSTS_PER_PAGE = 2
    replies = [
        services.post_reply(topic=dialogue, author=UserFactory(), body=f"Reply {n}")
        for n in range(3)
    ]
    assert Notification.objects.filter(recipient=starter, read_at=None).count() == 3
    assert fresh(starter).unread_notifications == 1  # one item: 3 replies in a topic

    # Page 1 shows the opening post and the first reply; the other two wait.
    page = signed_in(starter).get(reverse("forum:topic", args=[dialogue.pk]))
    assert page.status_code == 200
    unread = Notification.objects.filter(recipient=starter, read_at=None)
    assert sorted(unread.values_list("post_id", flat=True)) == [
        replies[1].pk,
        replies[2].pk,
    ]
    assert fresh(starter).unread_notifications == 1

    signed_in(starter).get(reverse("forum:topic", args=[dialogue.pk]) + "?page=2")
    assert not Notification.objects.filter(recipient=starter, read_at=None).exists()
    assert fresh(starter).unread_notifications == 0


def test_the_header_counts_what_is_left_after_the_page(dialogue, starter):
    services.post_reply(topic=dialogue, author=UserFactory(), body="A reply")
    client = signed_in(starter)
    assert "badge-unread" in client.get(reverse("forum:index")).content.decode()
    page = client.get(reverse("forum:topic", args=[dialogue.pk]))
    assert "badge-unread" not in page.content.decode()
    assert fresh(starter).unread_notifications == 0


def test_a_reader_with_nothing_unread_pays_no_query_for_it(dialogue, starter):
    client = signed_in(starter)
    url = reverse("forum:topic", args=[dialogue.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not any("notifications_notification" in q["sql"] for q in queries)
