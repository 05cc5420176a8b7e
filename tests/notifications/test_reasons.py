"""Why a reader was told is stored as a code with parameters and put into the
reader's language when shown: on the list page and in the email."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from forum import services
from moderation import services as moderation_services
from moderation.models import Report
from notifications import services as notifications
from notifications.models import Delivery, Notification
from tests.factories import CategoryFactory, TopicFactory, UserFactory, make_facilitator
from tests.helpers import signed_in

Reason = Notification.Reason

SHOWN = {
    "en": {
        "new_topic": "New topic in Assemblée.",
        "watched_category": "You watch Assemblée.",
        "watched_topic": "You watch this topic.",
        "report": "The post stays as it is. Nothing wrong here.",
    },
    "fr": {
        "new_topic": "Nouveau sujet dans Assemblée.",
        "watched_category": "Vous suivez Assemblée.",
        "watched_topic": "Vous suivez ce sujet.",
        "report": "Le message reste tel quel. Nothing wrong here.",
    },
}


@pytest.fixture
def assembly():
    return CategoryFactory(name="Assemblée", slug="assemblee")


@pytest.fixture
def reader():
    return UserFactory(username="lea", email="lea@example.org")


def told(reader, reason):
    return Notification.objects.filter(recipient=reader, reason=reason).earliest("pk")


def every_reason(assembly, reader):
    """A notification of each reason for reader; returns them by SHOWN key."""
    notifications.set_category_watch(user=reader, category=assembly, watching=True)
    opened = TopicFactory(category=assembly, title="Les puits")
    services.post_reply(topic=opened, author=UserFactory(), body="Oui.")
    watched = TopicFactory(category=CategoryFactory(), title="Les rivières")
    notifications.set_topic_watch(user=reader, topic=watched, level="watching")
    services.post_reply(topic=watched, author=UserFactory(), body="Non.")
    reported = services.post_reply(topic=watched, author=UserFactory(), body="Bof.")
    moderation_services.report_post(post=reported, reporter=reader, reason="spam")
    moderation_services.resolve_report(
        report=Report.objects.get(reporter=reader),
        actor=make_facilitator(watched.category, username="fac"),
        hide=False,
        reason=" Nothing wrong here. ",
    )
    return {
        "new_topic": told(reader, Reason.NEW_TOPIC),
        "watched_category": told(reader, Reason.WATCHED_CATEGORY),
        "watched_topic": told(reader, Reason.WATCHED_TOPIC),
        "report": told(reader, Reason.REPORT_DISMISSED),
    }


def test_reasons_are_stored_as_codes_with_parameters(assembly, reader):
    """No sentence is stored: a code, and the words that vary as parameters."""
    found = every_reason(assembly, reader)
    assert found["new_topic"].reason_params == {"name": "Assemblée"}
    assert found["watched_category"].reason_params == {"name": "Assemblée"}
    assert found["watched_topic"].reason_params == {}
    assert found["report"].reason_params == {"note": "Nothing wrong here."}


def test_a_renamed_category_keeps_the_name_it_had(assembly, reader):
    """The name is kept as it was when the reader was told, like actor_name."""
    found = every_reason(assembly, reader)
    type(assembly).objects.filter(pk=assembly.pk).update(name="Agora")
    found["new_topic"].refresh_from_db()
    assert found["new_topic"].reason_text() == SHOWN["en"]["new_topic"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_list_page_shows_each_reason_in_the_readers_language(
    assembly, reader, language
):
    every_reason(assembly, reader)
    client = signed_in(reader, HTTP_ACCEPT_LANGUAGE=language)
    page = client.get(reverse("notifications:list")).content.decode()
    for key, text in SHOWN[language].items():
        assert text in page, key
    other = SHOWN["fr" if language == "en" else "en"]
    for key in ("new_topic", "watched_category", "watched_topic"):
        assert other[key] not in page, key


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_email_gives_the_reason_in_the_recipients_language(
    assembly, reader, language, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=reader.pk).update(language=language)
    notifications.update_settings(user=reader, email_watched=Delivery.NOW)
    notifications.set_category_watch(user=reader, category=assembly, watching=True)
    with django_capture_on_commit_callbacks(execute=True):
        TopicFactory(category=assembly, title="Les puits")
    [message] = [m for m in mail.outbox if m.to == [reader.email]]
    assert SHOWN[language]["new_topic"] in message.body
    assert SHOWN[language]["new_topic"] in message.alternatives[0][0]


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("en", "Spam or advertising", "Spam ou publicité"),
        ("fr", "Spam ou publicité", "Spam or advertising"),
    ],
)
def test_a_post_hidden_on_reports_gives_their_reason_in_the_authors_language(
    assembly, reader, language, shown, not_shown
):
    """The facilitator wrote nothing: the reports' reason is kept as a code and
    shown in the author's language, whatever the facilitator's was."""
    topic = TopicFactory(category=assembly)
    post = services.post_reply(topic=topic, author=reader, body="Achetez !")
    moderation_services.report_post(post=post, reporter=UserFactory(), reason="spam")
    with translation.override("fr" if language == "en" else "en"):
        moderation_services.resolve_report(
            report=Report.objects.get(post=post),
            actor=make_facilitator(assembly, username="fac"),
            hide=True,
        )
    hidden = Notification.objects.get(recipient=reader, kind="post_hidden")
    assert (hidden.reason, hidden.reason_params) == (
        Reason.REPORTED,
        {"report_reason": "spam"},
    )
    client = signed_in(reader, HTTP_ACCEPT_LANGUAGE=language)
    page = client.get(reverse("notifications:list")).content.decode()
    assert shown in page and not_shown not in page
