"""Notification emails: content, headers, who gets them, exactly once."""

import email
import socket
import threading
from email import policy

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import override_settings

from accounts.models import User
from forum import services
from moderation import services as moderation_services
from notifications import services as notifications
from notifications.models import Delivery, Notification
from notifications.tasks import send_notification_email
from tests.factories import UserFactory, make_facilitator
from tests.helpers import configure

Email = Notification.Email


def test_a_reply_sends_one_email_after_commit(
    dialogue, starter, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post = services.post_reply(
            topic=dialogue, author=user, body="**Rivers** belong to all."
        )
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["starter@example.org"]
    assert message.subject == "Rosa Ilunga replied to you in “Water rights”"
    assert "**Rivers** belong to all." in message.body
    assert f"http://127.0.0.1:8000/p/{post.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<div data-user-content" in html
    assert "<strong>Rivers</strong>" in html
    assert message.extra_headers["List-Unsubscribe-Post"] == (
        "List-Unsubscribe=One-Click"
    )
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    assert link in message.body and link in html
    notification = Notification.objects.get(post=post)
    assert notification.email_state == Email.SENT


def test_a_retried_task_does_not_send_twice(dialogue, starter, user):
    services.post_reply(topic=dialogue, author=user, body="Once.")
    notification = Notification.objects.get(recipient=starter)
    assert notification.email_state == Email.QUEUED
    assert send_notification_email.call(notification_id=notification.pk)
    assert not send_notification_email.call(notification_id=notification.pk)
    assert len(mail.outbox) == 1


def test_a_failed_send_is_released_for_the_retry(dialogue, starter, user):
    services.post_reply(topic=dialogue, author=user, body="Once.")
    notification = Notification.objects.get(recipient=starter)
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=_free_port(),
            EMAIL_TIMEOUT=2,
        ),
        pytest.raises(OSError),
    ):
        send_notification_email.call(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.email_state == Email.QUEUED
    assert send_notification_email.call(notification_id=notification.pk)
    assert len(mail.outbox) == 1


def test_no_email_to_suspended_or_unverified_users(dialogue, category, user):
    suspended = UserFactory(username="suspended")
    unverified = UserFactory(username="unverified", verified=False)
    facilitator = make_facilitator(category, username="fac")
    moderation_services.suspend_user(user=suspended, actor=facilitator, reason="r")
    for person in (suspended, unverified):
        notifications.set_topic_watch(user=person, topic=dialogue, level="watching")
        notifications.update_settings(user=person, email_watched=Delivery.NOW)
    services.post_reply(topic=dialogue, author=user, body="News.")
    states = dict(
        Notification.objects.filter(recipient__in=[suspended, unverified]).values_list(
            "recipient__username", "email_state"
        )
    )
    assert states == {"suspended": Email.NONE, "unverified": Email.NONE}


def test_a_user_suspended_after_queueing_gets_no_email(dialogue, starter, user):
    services.post_reply(topic=dialogue, author=user, body="News.")
    notification = Notification.objects.get(recipient=starter)
    EmailAddress.objects.filter(user=starter).update(verified=False)
    assert not send_notification_email.call(notification_id=notification.pk)
    assert mail.outbox == []


def test_never_means_no_email(dialogue, starter, user):
    notifications.update_settings(user=starter, email_reply=Delivery.NEVER)
    services.post_reply(topic=dialogue, author=user, body="Quiet.")
    assert Notification.objects.get(recipient=starter).email_state == Email.NONE


def test_hidden_post_email_does_not_show_the_text(category, dialogue, starter):
    """The author is told their post was hidden, with the reason."""
    post = services.post_reply(topic=dialogue, author=starter, body="Secret words")
    facilitator = make_facilitator(category, username="fac")
    moderation_services.hide_post(post=post, actor=facilitator, reason="Rude")
    told = Notification.objects.get(kind=Notification.Kind.POST_HIDDEN)
    assert send_notification_email.call(notification_id=told.pk)
    message = mail.outbox[-1]
    assert "Rude" in message.body
    assert "Secret words" in message.body  # the author may read their own post


def test_returned_post_tells_its_author_in_app_and_by_email(category, dialogue):
    """A post returned to its author gives them a notification with the
    facilitator's reason, and an email with their text and the reason."""
    configure(category, approval_threshold=1)
    newcomer = UserFactory(username="newcomer")
    held = services.post_reply(topic=dialogue, author=newcomer, body="First words")
    facilitator = make_facilitator(category, username="fac")
    assert moderation_services.return_post(
        post=held, actor=facilitator, reason="Please name the council."
    )
    told = Notification.objects.get(kind=Notification.Kind.POST_RETURNED)
    assert told.recipient == newcomer
    assert told.reason_text() == "Please name the council."
    assert User.objects.get(pk=newcomer.pk).unread_notifications == 1
    assert told.email_state == Notification.Email.QUEUED
    assert send_notification_email.call(notification_id=told.pk)
    message = mail.outbox[-1]
    assert message.to == [newcomer.email]
    assert "returned to you" in message.subject
    assert "Please name the council." in message.body
    assert "First words" in message.body
    # Nobody answers a post that is not in the thread: no Reply link.
    assert "/reply/" not in message.body
    assert "/reply/" not in message.alternatives[0][0]


def test_returned_post_sends_no_email_to_who_wants_none(category, dialogue):
    """The author who chose no moderation emails is told in the app only."""
    configure(category, approval_threshold=1)
    newcomer = UserFactory(username="newcomer")
    notifications.update_settings(user=newcomer, email_moderation=Delivery.NEVER)
    held = services.post_reply(topic=dialogue, author=newcomer, body="First words")
    facilitator = make_facilitator(category, username="fac")
    moderation_services.return_post(post=held, actor=facilitator, reason="")
    told = Notification.objects.get(kind=Notification.Kind.POST_RETURNED)
    assert told.recipient == newcomer
    assert told.email_state == Notification.Email.NONE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            yield sink
    finally:
        controller.stop()


def test_real_delivery_through_smtp(
    smtp_sink, dialogue, starter, user, django_capture_on_commit_callbacks
):
    """Through a real SMTP server on 127.0.0.1: headers, and both parts."""
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_reply(
            topic=dialogue, author=user, body="We *share* the river."
        )
    assert len(smtp_sink.messages) == 1
    envelope = smtp_sink.messages[0]
    assert envelope.rcpt_tos == ["starter@example.org"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["To"] == "starter@example.org"
    # Django folds the encoded header; unfolding leaves a leading space.
    assert message["Subject"].strip() == "Rosa Ilunga replied to you in “Water rights”"
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "We *share* the river." in text
    assert f"http://127.0.0.1:8000/p/{post.pk}/" in text
    assert "<em>share</em>" in html and "data-user-content" in html
    assert f"http://127.0.0.1:8000/p/{post.pk}/" in html
    assert Notification.objects.get(post=post).email_state == Email.SENT


def test_a_name_with_line_breaks_cannot_break_the_mention_email(
    dialogue, django_capture_on_commit_callbacks
):
    """A display name stored with CR/LF before such names were refused (old
    data) neither adds a header nor stops the email: the mention is mailed
    with the line breaks made spaces."""
    mentioned = UserFactory(username="linked", email="linked@example.org")
    author = UserFactory()
    User.objects.filter(pk=author.pk).update(
        display_name="Rosa\r\nBcc: everyone@example.org\r\n"
    )
    author.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(topic=dialogue, author=author, body="Thanks @linked")

    [message] = [m for m in mail.outbox if m.to == [mentioned.email]]
    assert message.subject == (
        "Rosa Bcc: everyone@example.org mentioned you in “Water rights”"
    )
    assert message.bcc == []
    assert message.message()["Bcc"] is None


def test_an_image_in_a_post_is_its_description_in_the_email(
    dialogue, starter, user, django_capture_on_commit_callbacks
):
    """A mail reader has no session to fetch a members-only image with; the
    email says what the image shows and links to it by its full address."""
    post = services.post_reply(topic=dialogue, author=user, body="See @starter")
    post.body_html = (
        '<p><a href="/a/7/"><img src="/a/7/thumb/" alt="A river at dusk" '
        'width="480" height="320" loading="lazy" decoding="async"></a> '
        '<a href="https://example.org/">elsewhere</a></p>'
    )
    post.save(update_fields=["body_html"])
    notification = Notification.objects.get(recipient=starter)
    with django_capture_on_commit_callbacks(execute=True):
        send_notification_email.call(notification_id=notification.pk)
    html, _ = mail.outbox[-1].alternatives[0]
    assert "<img" not in html
    assert '<a href="http://127.0.0.1:8000/a/7/">[Image: A river at dusk]</a>' in html
    assert '<a href="https://example.org/">elsewhere</a>' in html
