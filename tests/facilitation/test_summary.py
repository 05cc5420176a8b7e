"""A dialogue's summary end to end: facilitators write it (from annotated
candidate quotes, or while locking), readers find it at the top of the topic,
in the "Topic locked" banner and in the category list; earlier versions are
kept. Only the dialogue's facilitators reach its settings and summary pages."""

import html as html_lib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from facilitation import services as facilitation
from facilitation.models import SummaryRevision
from forum.quoting import quote_markdown
from moderation import services as moderation
from moderation.models import AuditEntry
from tests.factories import (
    CategoryFactory,
    DialogueFactory,
    ReplyFactory,
    TopicFactory,
    make_facilitator,
)
from tests.helpers import fresh, html, signed_in, text

SUMMARY = (
    "Participants **agreed** that the council must publish its minutes.\n\n"
    "> The council never listens to us.\n\n"
    "Next round: what the library could host."
)


def section(response, css_class: str) -> str:
    match = re.search(
        rf'<section class="{css_class}"[^>]*>.*?</section>', html(response), re.S
    )
    return match.group(0) if match else ""


def textarea(response, name: str) -> str:
    """The (unescaped) text in a form's textarea."""
    match = re.search(
        rf'<textarea [^>]*name="{name}"[^>]*>(.*?)</textarea>', html(response), re.S
    )
    assert match is not None, f"no {name} textarea"
    return html_lib.unescape(match.group(1)).lstrip("\n")


@pytest.fixture
def dialogue(category, facilitator):
    return DialogueFactory(category=category, author=facilitator)


def save_summary(client, topic, summary: str):
    return client.post(f"/moderation/t/{topic.pk}/summary/", {"summary": summary})


# Writing and showing the summary


def test_facilitator_writes_a_summary_shown_at_the_top_of_the_topic(
    dialogue, facilitator, user
):
    """The summary page saves the markdown; the topic page shows it rendered in a
    "Summary" section before the thread."""
    client = signed_in(facilitator)
    page = client.get(f"/moderation/t/{dialogue.pk}/summary/")
    assert page.status_code == 200
    assert textarea(page, "summary") == ""
    response = save_summary(client, dialogue, SUMMARY)
    assert response.status_code == 302
    assert response.url == dialogue.get_absolute_url()
    assert fresh(dialogue).summary == SUMMARY

    topic_page = signed_in(user).get(dialogue.get_absolute_url())
    summary = section(topic_page, "summary")
    assert "<strong>agreed</strong>" in summary
    assert "<blockquote>" in summary
    assert html(topic_page).index('class="summary"') < html(topic_page).index(
        f'id="p{dialogue.first_post_id}"'
    )


def test_summary_excerpt_shows_in_the_category_topic_list(
    category, dialogue, facilitator
):
    """The category list shows a plain excerpt of the summary under the title."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    listing = html(Client().get(category.get_absolute_url()))
    excerpt = re.search(r'<p class="summary-excerpt">(.*?)</p>', listing, re.S)
    assert excerpt is not None
    shown = html_lib.unescape(excerpt.group(1))
    assert shown.startswith("Summary: Participants agreed that the council")
    assert "**" not in shown
    assert "<strong>" not in shown


def test_summary_excerpt_shows_in_the_topic_locked_banner(dialogue, facilitator, user):
    """A locked dialogue with a summary shows its excerpt next to "Topic locked",
    linking to the full summary."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    moderation.lock_topic(topic=dialogue, actor=facilitator)
    banner = section(signed_in(user).get(dialogue.get_absolute_url()), "lock-event")
    plain = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", banner)).split())
    assert plain.startswith("Summary: Participants agreed that the council")
    assert "Read the summary" in plain
    assert "Topic locked." in plain
    assert 'href="#summary-heading"' in banner


def test_summary_markup_is_sanitised(dialogue, facilitator):
    """Raw HTML in the summary never reaches readers as markup."""
    save_summary(
        signed_in(facilitator),
        dialogue,
        'Fine words.<script>alert("x")</script><img src=x onerror=alert(1)>',
    )
    summary = section(Client().get(dialogue.get_absolute_url()), "summary")
    assert "Fine words." in summary
    assert "<script" not in summary
    assert "<img" not in summary


def test_edits_keep_earlier_versions(dialogue, facilitator, category):
    """Each change keeps the text it replaced, listed under "Earlier versions";
    saving the same text again keeps nothing more."""
    other = make_facilitator(category, display_name="Jon Ek")
    save_summary(signed_in(facilitator), dialogue, "First draft of the summary.")
    assert not SummaryRevision.objects.filter(topic=dialogue).exists()
    client = signed_in(other)
    save_summary(client, dialogue, "Second, better summary.")
    save_summary(client, dialogue, "Second, better summary.")
    revisions = list(SummaryRevision.objects.filter(topic=dialogue))
    assert [(r.summary, r.editor_name) for r in revisions] == [
        ("First draft of the summary.", "Jon Ek")
    ]
    assert fresh(dialogue).summary == "Second, better summary."

    page = client.get(f"/moderation/t/{dialogue.pk}/summary/")
    assert "Earlier versions" in text(page)
    assert "Replaced by Jon Ek on" in text(page)
    assert "First draft of the summary." in text(page)
    assert textarea(page, "summary") == "Second, better summary."


def test_clearing_the_summary_removes_it_and_keeps_the_old_text(
    category, dialogue, facilitator
):
    """An empty summary takes the section and the excerpt away; the old text is
    kept as a revision."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    save_summary(signed_in(facilitator), dialogue, "")
    topic = fresh(dialogue)
    assert (topic.summary, topic.summary_html, topic.summary_excerpt) == ("", "", "")
    assert SummaryRevision.objects.get(topic=dialogue).summary == SUMMARY
    assert section(Client().get(dialogue.get_absolute_url()), "summary") == ""
    assert "summary-excerpt" not in html(Client().get(category.get_absolute_url()))


# Candidate quotes


def test_candidates_are_annotated_posts_with_quote_for_summary_first(
    dialogue, facilitator, user, other_user
):
    """Posts facilitators annotated are offered as quotes, those tagged "quote
    for summary" first; others are not offered."""
    early = ReplyFactory(topic=dialogue, author=user, body="Trust takes years.")
    late = ReplyFactory(
        topic=dialogue, author=other_user, body="Publish the minutes, simply."
    )
    plain = ReplyFactory(topic=dialogue, author=user, body="Not worth quoting.")
    facilitation.annotate_post(
        post=early, actor=facilitator, note="Strong theme.", tags="theme: trust"
    )
    facilitation.annotate_post(
        post=late, actor=facilitator, note="", tags="Quote for summary"
    )

    page = signed_in(facilitator).get(f"/moderation/t/{dialogue.pk}/summary/")
    body = html(page)
    assert "Candidate quotes" in text(page)
    assert body.index(f'id="c{late.pk}"') < body.index(f'id="c{early.pk}"')
    assert f'id="c{plain.pk}"' not in body
    assert "theme: trust" in text(page)
    assert "Strong theme." in text(page)
    assert re.findall(r'name="insert" value="(\d+)"', body) == [
        str(late.pk),
        str(early.pk),
    ]


def test_hidden_posts_are_not_candidates(dialogue, facilitator, user):
    """A hidden post is out of the conversation, even if it was annotated."""
    post = ReplyFactory(topic=dialogue, author=user, body="Regrettable words.")
    facilitation.annotate_post(
        post=post, actor=facilitator, note="", tags="quote for summary"
    )
    moderation.hide_post(post=post, actor=facilitator, reason="Personal details.")
    page = html(signed_in(facilitator).get(f"/moderation/t/{dialogue.pk}/summary/"))
    assert f'id="c{post.pk}"' not in page
    assert "Regrettable words." not in page


def test_add_to_the_draft_appends_the_quote_and_saves_nothing(
    dialogue, facilitator, user
):
    """ "Add to the draft" (insert=<post id>) re-shows the form with the text as
    typed and the post's quote appended; the summary is not saved."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary="Saved text.")
    post = ReplyFactory(topic=dialogue, author=user, body="Trust takes years.")
    facilitation.annotate_post(
        post=post, actor=facilitator, note="", tags="quote for summary"
    )
    response = signed_in(facilitator).post(
        f"/moderation/t/{dialogue.pk}/summary/",
        {"summary": "My unsaved draft.  ", "insert": str(post.pk)},
    )
    assert response.status_code == 200
    assert textarea(response, "summary") == (
        "My unsaved draft.\n\n" + quote_markdown(post).rstrip()
    )
    assert "Trust takes years." in textarea(response, "summary")
    assert fresh(dialogue).summary == "Saved text."
    assert not SummaryRevision.objects.filter(topic=dialogue).exists()


def test_adding_a_post_that_is_no_candidate_keeps_the_draft(
    dialogue, facilitator, user
):
    """An insert of a post nobody annotated changes neither the draft nor the
    saved summary."""
    post = ReplyFactory(topic=dialogue, author=user, body="Never annotated.")
    response = signed_in(facilitator).post(
        f"/moderation/t/{dialogue.pk}/summary/",
        {"summary": "Draft only.", "insert": str(post.pk)},
    )
    assert response.status_code == 200
    assert textarea(response, "summary") == "Draft only."
    assert fresh(dialogue).summary == ""


# Locking with a summary


def test_locking_from_the_facilitator_tools_with_a_summary_sets_it(
    dialogue, facilitator, user
):
    """The tools' lock form offers the summary; locking with one saves it, and
    readers see it with the lock."""
    client = signed_in(facilitator)
    tools = html(client.get(dialogue.get_absolute_url()))
    assert 'name="summary"' in tools
    assert f'action="/moderation/t/{dialogue.pk}/close/"' in tools
    response = client.post(
        f"/moderation/t/{dialogue.pk}/close/",
        {"summary": SUMMARY, "note": "Thank you all."},
    )
    assert response.status_code == 302
    topic = fresh(dialogue)
    assert topic.is_locked
    assert topic.summary == SUMMARY
    assert topic.locked_by_name == "Mira Sol"
    assert AuditEntry.objects.get(topic=dialogue, action="lock").actor == facilitator

    page = signed_in(user).get(dialogue.get_absolute_url())
    assert "<strong>agreed</strong>" in section(page, "summary")
    assert "Summary: Participants agreed" in text(page)
    assert "Thank you all." in text(page)


def test_locking_without_the_summary_field_keeps_the_summary(dialogue, facilitator):
    """A lock request without a summary leaves the saved one alone."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    signed_in(facilitator).post(f"/moderation/t/{dialogue.pk}/close/", {"note": ""})
    topic = fresh(dialogue)
    assert topic.is_locked
    assert topic.summary == SUMMARY


def test_summary_can_be_written_after_a_scheduled_lock(category, facilitator):
    """A dialogue locked by its schedule still takes its facilitators' summary."""
    topic = TopicFactory(
        category=category, author=facilitator, closes_at=timezone.now()
    )
    assert fresh(topic).phase == "locked"
    response = save_summary(signed_in(facilitator), topic, "Written afterwards.")
    assert response.status_code == 302
    assert fresh(topic).summary == "Written afterwards."
    assert "Summary: Written afterwards." in text(
        Client().get(topic.get_absolute_url())
    )
    facilitation.close_due_dialogues()
    assert fresh(topic).is_locked
    response = save_summary(signed_in(facilitator), topic, "And after the lock.")
    assert response.status_code == 302
    assert fresh(topic).summary == "And after the lock."


# Who may


@pytest.mark.parametrize("page", ["dialogue", "summary"])
def test_participants_are_refused_the_settings_and_summary_pages(dialogue, user, page):
    """A participant gets 403 on GET and POST; nothing changes."""
    client = signed_in(user)
    url = f"/moderation/t/{dialogue.pk}/{page}/"
    assert client.get(url).status_code == 403
    data = {
        "summary": "Hijacked.",
        "add_prompt": "1",
        "text": "Hijacked?",
        "schedule": "1",
        "closes_at": "2031-01-01T00:00",
    }
    assert client.post(url, data).status_code == 403
    topic = fresh(dialogue)
    assert topic.summary == ""
    assert topic.closes_at is None
    assert topic.prompts.count() == 1


@pytest.mark.parametrize("page", ["dialogue", "summary"])
def test_visitors_are_sent_to_sign_in(dialogue, page):
    """Signed out, the pages redirect to the login page."""
    url = f"/moderation/t/{dialogue.pk}/{page}/"
    response = Client().get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "next=" in response.url


@pytest.mark.parametrize("page", ["dialogue", "summary"])
def test_facilitators_of_another_category_are_refused(dialogue, page):
    """Facilitating one category gives no say over another's dialogues."""
    elsewhere = make_facilitator(CategoryFactory(), display_name="Far Away")
    response = signed_in(elsewhere).get(f"/moderation/t/{dialogue.pk}/{page}/")
    assert response.status_code == 403


def test_facilitator_tools_link_to_the_settings_and_summary_pages(
    dialogue, facilitator, user
):
    """Facilitators find both pages from the topic; participants see no link."""
    tools = html(signed_in(facilitator).get(dialogue.get_absolute_url()))
    assert f'href="/moderation/t/{dialogue.pk}/dialogue/"' in tools
    assert f'href="/moderation/t/{dialogue.pk}/summary/"' in tools
    participant = html(signed_in(user).get(dialogue.get_absolute_url()))
    assert f"/moderation/t/{dialogue.pk}/summary/" not in participant


def test_a_summary_for_a_dialogue_closing_later_shows_while_open(category, facilitator):
    """An interim summary shows on an open dialogue, without a lock banner."""
    topic = TopicFactory(
        category=category,
        author=facilitator,
        closes_at=timezone.now() + timedelta(days=3),
    )
    facilitation.set_summary(topic=topic, editor=facilitator, summary="Halfway notes.")
    page = Client().get(topic.get_absolute_url())
    assert "Halfway notes." in section(page, "summary")
    assert section(page, "lock-event") == ""


def test_unlocking_drops_the_summary_line_from_the_topic_list(
    category, dialogue, facilitator
):
    """A reopened dialogue's row no longer says "Summary:" as if concluded; its
    page keeps the summary, and saving the summary again brings the line back."""
    facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    moderation.lock_topic(topic=dialogue, actor=facilitator)
    assert "summary-excerpt" in html(Client().get(category.get_absolute_url()))

    moderation.unlock_topic(topic=dialogue, actor=facilitator)

    assert "summary-excerpt" not in html(Client().get(category.get_absolute_url()))
    assert "council" in section(Client().get(dialogue.get_absolute_url()), "summary")
    assert facilitation.set_summary(topic=dialogue, editor=facilitator, summary=SUMMARY)
    assert "summary-excerpt" in html(Client().get(category.get_absolute_url()))
    assert not SummaryRevision.objects.filter(topic=dialogue).exists()
