"""French wording the catalogue alone cannot check: elision before a name and
the no-break space before a colon that follows translated text."""

import re

from django.urls import reverse

from moderation import services as moderation_services
from moderation.models import Report
from tests.factories import ReplyFactory, UserFactory

from .test_catalogue import entries
from .test_pages import french_page

# "de" before a name or a title elides before a vowel (d'Arjun), which a
# translation cannot know: such phrases are worded without it.
BEFORE_NAME = re.compile(r"\bde %\((name|title|author)\)s")


def test_no_de_before_a_name_in_the_catalogue():
    assert [
        e.msgid for e in entries() if any(BEFORE_NAME.search(s) for s in e.msgstr)
    ] == []


def test_post_by_a_name_starting_with_a_vowel(french, forum, user):
    _, topic, _ = forum
    arjun = UserFactory(username="arjun", display_name="Arjun")
    post = ReplyFactory(topic=topic, author=arjun, body="Bonjour.")
    moderation_services.report_post(post=post, reporter=user, reason=Report.Reason.SPAM)
    french.force_login(user)
    page = french_page(french, reverse("moderation:my_reports"))
    assert "de Arjun" not in page
    shown = "Message écrit par Arjun dans «\u00a0La confiance\u00a0»</a>\u00a0: Spam"
    assert shown in page
