"""Emails and digests are written in the recipient's language and time zone."""

from datetime import UTC, datetime

from django.core import mail

from accounts.models import User
from forum.models import Post
from notifications import services as notifications
from notifications.models import Delivery
from notifications.tasks import send_digests
from tests.factories import ReplyFactory, UserFactory

NOW = datetime(2026, 3, 15, 7, 0, tzinfo=UTC)


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def reply_by_email(forum, reader, capture, body):
    _, topic, _ = forum
    mine = ReplyFactory(topic=topic, author=reader, body="Mon idée.")
    mail.outbox.clear()
    with capture(execute=True):
        ReplyFactory(topic=topic, parent=mine, body=body)
    [message] = sent_to(reader)
    return message


def test_a_notification_email_to_a_french_speaker_is_in_french(
    forum, django_capture_on_commit_callbacks
):
    reader = UserFactory(username="lea")
    User.objects.filter(pk=reader.pk).update(language="fr")
    message = reply_by_email(
        forum, reader, django_capture_on_commit_callbacks, "Pas d'accord."
    )
    assert message.subject.endswith("vous a répondu dans «\u00a0La confiance\u00a0»")
    assert "a écrit\u00a0:" in message.body
    assert "Le lire dans le dialogue" in message.body
    assert "Arrêter les e-mails sur les réponses à vos messages" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="fr">' in html and "Read it in the dialogue" not in html


def test_an_email_to_an_english_speaker_stays_english(
    forum, django_capture_on_commit_callbacks
):
    reader = UserFactory(username="ben")
    message = reply_by_email(
        forum, reader, django_capture_on_commit_callbacks, "I disagree."
    )
    assert message.subject.endswith("replied to you in “La confiance”")
    assert "Read it in the dialogue" in message.body


def test_the_digest_is_in_the_readers_language_and_time_zone(forum):
    _, topic, _ = forum
    reader = UserFactory(username="lea")
    User.objects.filter(pk=reader.pk).update(language="fr", time_zone="Asia/Tokyo")
    notifications.update_settings(user=reader, digest=True, email_reply=Delivery.DIGEST)
    mine = ReplyFactory(topic=topic, author=reader, body="Mon idée.")
    answers = [ReplyFactory(topic=topic, parent=mine, body=f"Non {n}.") for n in (1, 2)]
    Post.objects.filter(pk__in=[a.pk for a in answers]).update(
        created_at=datetime(2026, 3, 14, 23, 30, tzinfo=UTC)
    )
    mail.outbox.clear()
    send_digests.call(now=NOW)
    [message] = sent_to(reader)
    assert message.subject == "Votre résumé quotidien\u00a0: 2 réponses pour vous"
    assert "15 mars 2026, 08:30" in message.body
    assert "Arrêter le résumé quotidien" in message.body
