"""Notification pages: the list, marking read, settings, watching, unsubscribe."""

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import services
from moderation import services as moderation_services
from notifications import emails
from notifications import services as notifications
from notifications.emails import UNSUBSCRIBE_SALT, unsubscribe_token
from notifications.models import Delivery, Notification, NotificationSettings, Watch
from tests.factories import TopicFactory, UserFactory, make_facilitator
from tests.helpers import signed_in
from tests.notifications.conftest import private_category
from tests.security.test_csrf_and_get import snapshot


def test_page_lists_notifications_linking_to_the_post(dialogue, starter, user):
    post = services.post_reply(topic=dialogue, author=user, body="Rivers matter.")
    response = signed_in(starter).get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/p/{post.pk}/"' in html
    assert "Rosa Ilunga replied to you in “Water rights”" in html
    assert "Rivers matter." in html
    assert '<span class="badge badge-unread">1' in html


def test_signed_out_readers_are_sent_to_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_mark_one_and_all_read(category, dialogue, starter, user):
    first = services.post_reply(topic=dialogue, author=user, body="One.")
    other = TopicFactory(category=category, author=starter)
    services.post_reply(topic=other, author=UserFactory(), body="Two.")
    client = signed_in(starter)
    one = Notification.objects.get(post=first)
    response = client.post("/notifications/read/", {"notification": one.pk})
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.read_at is not None
    unread = Notification.objects.filter(recipient=starter, read_at__isnull=True)
    assert unread.count() == 1
    client.post("/notifications/read/", {})
    assert not unread.exists()
    starter.refresh_from_db()
    assert starter.unread_notifications == 0


def test_one_cannot_mark_anothers_notifications(dialogue, starter, user):
    services.post_reply(topic=dialogue, author=user, body="One.")
    note = Notification.objects.get()
    signed_in(user).post("/notifications/read/", {"notification": note.pk})
    note.refresh_from_db()
    assert note.read_at is None
    assert (
        signed_in(user).post("/notifications/read/", {"notification": "x"}).status_code
        == 404
    )


def test_hidden_post_disappears_from_the_page(category, dialogue, starter, user):
    post = services.post_reply(topic=dialogue, author=user, body="Bad words.")
    facilitator = make_facilitator(category, username="fac")
    notifications.set_topic_watch(user=facilitator, topic=dialogue, level="watching")
    services.post_reply(topic=dialogue, author=UserFactory(), body="x", parent=post)
    moderation_services.hide_post(post=post, actor=facilitator, reason="Rude")
    assert (
        f"/p/{post.pk}/"
        not in signed_in(starter).get("/notifications/").content.decode()
    )
    page = signed_in(user).get("/notifications/").content.decode()
    assert "Your post in “Water rights” was hidden" in page
    assert "Rude" in page


@pytest.mark.parametrize("count", [2, 40])
def test_page_queries_are_flat(dialogue, starter, count, django_assert_num_queries):
    for n in range(count):
        services.post_reply(topic=dialogue, author=UserFactory(), body=f"Reply {n}")
    client = signed_in(starter)
    # User, count of items, the page's items, their notifications, the
    # categories the reader moderates (the session comes from the cache).
    with django_assert_num_queries(5):
        assert client.get("/notifications/").status_code == 200


def test_unread_replies_in_one_dialogue_are_one_item(category, dialogue, starter):
    """Five unread replies in one dialogue show as one item linking to the first
    of them; another dialogue's reply stays its own item; marking the item read
    marks all five, and read notifications are listed one by one."""
    five = [
        services.post_reply(topic=dialogue, author=UserFactory(), body=f"Reply {n}")
        for n in range(5)
    ]
    other = TopicFactory(category=category, author=starter, title="Dry season")
    lone = services.post_reply(topic=other, author=UserFactory(), body="Alone.")
    client = signed_in(starter)
    page = client.get("/notifications/").content.decode()
    assert page.count('class="notification is-unread"') == 2
    assert (
        f'<a href="/p/{five[0].pk}/">5 new replies to you in “Water rights”</a>' in page
    )
    assert f'href="/p/{lone.pk}/"' in page
    assert '<span class="badge badge-unread">2' in page
    first = Notification.objects.get(recipient=starter, post=five[0])

    client.post("/notifications/read/", {"notification": first.pk})

    unread = Notification.objects.filter(recipient=starter, read_at__isnull=True)
    assert list(unread.values_list("post", flat=True)) == [lone.pk]
    page = client.get("/notifications/").content.decode()
    assert page.count('class="notification"') == 5
    assert '<span class="badge badge-unread">1' in page


def test_header_counter_costs_no_query(dialogue, starter, user):
    """The unread count comes with the user row."""
    services.post_reply(topic=dialogue, author=user, body="One.")
    client = signed_in(starter)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        html = client.get("/").content.decode()
    assert captured.captured_queries
    assert not any("forum_notification" in q["sql"] for q in captured)
    assert "Notifications" in html and '<span class="badge badge-unread">1' in html


def test_missing_page_is_a_404(starter):
    assert signed_in(starter).get("/notifications/?page=9").status_code == 404


def test_settings_page_saves_choices(starter):
    client = signed_in(starter)
    assert client.get("/notifications/settings/").status_code == 200
    data = {
        "auto_watch": "",
        "digest": "on",
        "digest_hour": "18",
        "email_follow_up": "now",
        "email_mention": "digest",
        "email_quote": "never",
        "email_reply": "now",
        "email_watched": "never",
        "email_moderation": "now",
    }
    response = client.post("/notifications/settings/", data)
    assert response.status_code == 302
    saved = NotificationSettings.objects.get(user=starter)
    assert saved.auto_watch is False
    assert saved.email_mention == Delivery.DIGEST and saved.email_quote == "never"
    assert saved.digest_hour == 18


def test_settings_page_offers_the_site_digest_hour_until_one_is_chosen(
    starter, settings
):
    """The digest hour shown is the site's FORUM_DIGEST_HOUR until the reader
    picks one; an hour outside the day is refused."""
    settings.FORUM_DIGEST_HOUR = 9
    client = signed_in(starter)
    page = client.get("/notifications/settings/").content.decode()
    assert '<option value="9" selected>09:00</option>' in page
    response = client.post("/notifications/settings/", {"digest_hour": "24"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_settings_page_rejects_bad_choices(starter):
    response = signed_in(starter).post(
        "/notifications/settings/", {"email_reply": "sometimes"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not NotificationSettings.objects.filter(user=starter).exists()


def test_watch_a_topic_and_a_category(category, dialogue, user):
    client = signed_in(user)
    assert client.get(f"/t/{dialogue.pk}/watch/").status_code == 200
    client.post(f"/t/{dialogue.pk}/watch/", {"level": "digest"})
    assert Watch.objects.get(user=user, topic=dialogue).level == "digest"
    client.post(f"/t/{dialogue.pk}/watch/", {"level": "muted"})
    assert Watch.objects.get(user=user, topic=dialogue).level == "muted"
    assert client.get(f"/c/{category.slug}/watch/").status_code == 200
    client.post(f"/c/{category.slug}/watch/", {"watch": "1"})
    assert Watch.objects.filter(user=user, category=category).exists()
    client.post(f"/c/{category.slug}/watch/", {"watch": "0"})
    assert not Watch.objects.filter(user=user, category=category).exists()


def test_watch_pages_hide_what_one_may_not_see(user):

    private = private_category()
    topic = TopicFactory(category=private)
    client = signed_in(user)
    assert client.get(f"/t/{topic.pk}/watch/").status_code == 404
    assert client.post(f"/c/{private.slug}/watch/", {"watch": "1"}).status_code == 404
    assert not Watch.objects.filter(user=user).exists()


def test_topic_and_category_pages_link_watching(category, dialogue, user):
    client = signed_in(user)
    assert (
        f"/t/{dialogue.pk}/watch/"
        in client.get(dialogue.get_absolute_url()).content.decode()
    )
    assert (
        f"/c/{category.slug}/watch/"
        in client.get(category.get_absolute_url()).content.decode()
    )


def unsubscribe_url(user, what="email_reply") -> str:
    token = unsubscribe_token(user=user, what=what)
    return reverse("notifications:unsubscribe", args=[token])


def test_unsubscribe_link_works_signed_out_and_can_be_undone(starter):
    client = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(starter)
    page = client.get(url)
    assert page.status_code == 200
    assert not NotificationSettings.objects.filter(user=starter).exists()
    done = client.post(url)
    assert done.status_code == 200
    assert "Undo" in done.content.decode()
    assert NotificationSettings.objects.get(user=starter).email_reply == "never"
    client.post(url, {"undo": "1", "restore": "now"})
    assert NotificationSettings.objects.get(user=starter).email_reply == "now"


def test_undo_puts_back_the_earlier_choice(starter):
    notifications.update_settings(user=starter, email_reply=Delivery.DIGEST)
    client = Client()
    url = unsubscribe_url(starter)
    done = client.post(url).content.decode()
    assert 'name="restore" value="digest"' in done
    client.post(url, {"undo": "1", "restore": "digest"})
    assert NotificationSettings.objects.get(user=starter).email_reply == "digest"
    client.post(url, {"undo": "1", "restore": "bogus"})
    assert NotificationSettings.objects.get(user=starter).email_reply == "now"


def test_one_click_unsubscribe_from_the_mail_program(starter):
    """RFC 8058: a POST of List-Unsubscribe=One-Click, no cookies, no token."""
    url = unsubscribe_url(starter, "digest")
    response = Client(enforce_csrf_checks=True).post(
        url, {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert NotificationSettings.objects.get(user=starter).digest is False


def test_tampered_and_expired_links_change_nothing(starter, monkeypatch):
    client = Client()
    url = unsubscribe_url(starter)
    tampered = url.replace(
        "/notifications/unsubscribe/", "/notifications/unsubscribe/x"
    )
    for bad in (tampered, "/notifications/unsubscribe/nonsense/"):
        response = client.post(bad)
        assert response.status_code == 400
        assert "does not work" in response.content.decode()
    monkeypatch.setattr(emails, "UNSUBSCRIBE_MAX_AGE", -1)
    assert client.post(url).status_code == 400
    assert not NotificationSettings.objects.filter(user=starter).exists()


def test_a_token_for_something_else_is_refused(starter):
    token = signing.dumps({"u": starter.pk, "w": "is_staff"}, salt=UNSUBSCRIBE_SALT)
    assert Client().post(f"/notifications/unsubscribe/{token}/").status_code == 400


def test_no_get_changes_anything(category, dialogue, starter, user):
    """GET on every notification page leaves every table as it was."""
    services.post_reply(topic=dialogue, author=user, body="One.")
    client = signed_in(starter)
    before = snapshot()
    for url in [
        "/notifications/",
        "/notifications/read/",
        "/notifications/settings/",
        f"/t/{dialogue.pk}/watch/",
        f"/c/{category.slug}/watch/",
        unsubscribe_url(starter),
    ]:
        assert client.get(url).status_code < 500, url
        assert snapshot() == before, url
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_forms_refuse_posts_without_csrf(dialogue, starter, user):
    services.post_reply(topic=dialogue, author=user, body="One.")
    client = signed_in(starter, enforce_csrf_checks=True)
    for url, data in [
        ("/notifications/read/", {}),
        ("/notifications/settings/", {"email_reply": "never"}),
        (f"/t/{dialogue.pk}/watch/", {"level": "muted"}),
        (f"/c/{dialogue.category.slug}/watch/", {"watch": "1"}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
