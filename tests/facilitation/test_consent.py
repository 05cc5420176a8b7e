"""Whether a participant may be named in exported dialogues: asked with their
first reply, changed in Settings, and followed by the export."""

import re

import pytest

from accounts.models import User
from accounts.services import set_export_consent
from facilitation.export import export_dialogue
from forum.models import Post
from moderation import services as moderation
from tests.factories import TopicFactory, make_facilitator
from tests.helpers import html

SETTINGS = "/accounts/profile/"
QUESTION = "May your name appear when dialogues are exported or printed?"
REPLY_QUESTION = "May your name appear when this dialogue is exported or printed?"


def consent_of(user: User) -> bool | None:
    return User.objects.get(pk=user.pk).named_in_exports


def checked(page: str) -> str:
    """The value of the checked consent radio button."""
    for tag in re.findall(r'<input[^>]*name="named_in_exports"[^>]*>', page):
        if re.search(r"\schecked[\s>]", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return ""


# Settings


@pytest.mark.parametrize(
    ("stored", "shown"), [(None, "undecided"), (True, "yes"), (False, "no")]
)
def test_settings_show_the_current_answer(member_client, user, stored, shown):
    """Settings ask the question, in a group with a legend, the current answer
    chosen."""
    set_export_consent(user=user, named=stored)
    page = html(member_client.get(SETTINGS))
    assert f"<legend>{QUESTION}" in page
    assert checked(page) == shown


@pytest.mark.parametrize(
    ("answer", "stored"), [("yes", True), ("no", False), ("undecided", None)]
)
def test_settings_save_the_answer(member_client, user, answer, stored):
    """Each answer is saved, "Not decided" as no answer at all."""
    set_export_consent(user=user, named=not stored if stored is not None else True)
    response = member_client.post(
        SETTINGS,
        {"display_name": "Rosa Ilunga", "signature": "", "named_in_exports": answer},
    )
    assert response.status_code == 302
    assert consent_of(user) is stored
    assert User.objects.get(pk=user.pk).display_name == "Rosa Ilunga"


def test_settings_without_the_question_keep_the_answer(member_client, user):
    """A submission that does not carry the question leaves the answer alone."""
    set_export_consent(user=user, named=True)
    member_client.post(SETTINGS, {"display_name": "Rosa I.", "signature": ""})
    assert consent_of(user) is True
    assert User.objects.get(pk=user.pk).display_name == "Rosa I."


def test_settings_refuse_an_unknown_answer(member_client, user):
    """An answer outside the choices is an error, the rest kept."""
    response = member_client.post(
        SETTINGS,
        {"display_name": "Kept name", "signature": "", "named_in_exports": "maybe"},
    )
    page = html(response)
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert 'value="Kept name"' in page
    assert consent_of(user) is None


# Asked with the first reply


def test_reply_form_asks_until_answered(member_client, user, topic):
    """The reply form asks someone never asked; answering with a reply saves
    it, and the question is not asked again."""
    assert REPLY_QUESTION in html(member_client.get(topic.get_absolute_url()))
    response = member_client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "My first reply.", "named_in_exports": "no", "post": "1"},
    )
    assert response.status_code == 302
    assert consent_of(user) is False
    assert Post.objects.filter(topic=topic, author=user).count() == 1
    assert REPLY_QUESTION not in html(member_client.get(topic.get_absolute_url()))
    assert REPLY_QUESTION not in html(member_client.get(f"/t/{topic.pk}/reply/"))


def test_reply_without_an_answer_asks_again(member_client, user, topic):
    """Leaving the question unanswered posts the reply and asks next time."""
    response = member_client.post(
        f"/t/{topic.pk}/reply/", {"body": "No answer yet.", "post": "1"}
    )
    assert response.status_code == 302
    assert consent_of(user) is None
    assert REPLY_QUESTION in html(member_client.get(topic.get_absolute_url()))


def test_reply_form_answer_yes(member_client, user, topic):
    """Answering yes on the reply page saves it."""
    page = html(member_client.get(f"/t/{topic.pk}/reply/"))
    assert REPLY_QUESTION in page
    member_client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Happy to be named.", "named_in_exports": "yes", "post": "1"},
    )
    assert consent_of(user) is True


# The export follows the setting


def test_export_follows_the_setting(client, category, user):
    """Changing the answer in Settings changes how the export names the user."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, author=user, title="Named or not")
    moderation.lock_topic(topic=topic, actor=facilitator)
    assert export_dialogue(topic=topic).posts[0].author == "Participant 1"
    client.force_login(user)
    client.post(
        SETTINGS,
        {"display_name": "Rosa Ilunga", "signature": "", "named_in_exports": "yes"},
    )
    assert export_dialogue(topic=topic).posts[0].author == "Rosa Ilunga"
    client.post(
        SETTINGS,
        {"display_name": "Rosa Ilunga", "signature": "", "named_in_exports": "no"},
    )
    assert export_dialogue(topic=topic).posts[0].author == "Participant 1"
