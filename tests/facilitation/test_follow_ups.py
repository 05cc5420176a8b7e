"""Follow-up questions end to end: a facilitator marks a reply to (or quote of)
a participant's post as a question to them; the participant is told on the
topic page until they answer it by replying to it or quoting it."""

import html as html_lib
import re

import pytest
from django.test import Client

from forum import services
from forum.exceptions import ForumError
from forum.models import Post
from tests.factories import DialogueFactory, ReplyFactory
from tests.helpers import fresh, html, signed_in, text

NOTICE = "A facilitator asked you a question"


def follow_up_label(response, post: Post) -> str:
    """The "Follow-up question to …" line of one post on the topic page."""
    article = re.search(
        rf'<article [^>]*id="p{post.pk}".*?</article>', html(response), re.S
    ).group(0)
    match = re.search(r'<p class="follow-up-label">(.*?)</p>', article, re.S)
    return html_lib.unescape(" ".join(match.group(1).split())) if match else ""


@pytest.fixture
def dialogue(category, facilitator):
    return DialogueFactory(category=category, author=facilitator)


@pytest.fixture
def participant_post(dialogue, user):
    return ReplyFactory(
        topic=dialogue, author=user, body="The council never listens to us."
    )


@pytest.fixture
def follow_up(dialogue, facilitator, participant_post):
    """A facilitator's follow-up question to the participant, made through the
    reply form."""
    response = signed_in(facilitator).post(
        f"/t/{dialogue.pk}/reply/",
        {
            "body": "When did you last feel listened to?",
            "parent": str(participant_post.pk),
            "follow_up": "on",
            "post": "1",
        },
    )
    assert response.status_code == 302
    return Post.objects.get(body="When did you last feel listened to?")


def reply(client, topic, body: str, **fields):
    return client.post(f"/t/{topic.pk}/reply/", {"body": body, "post": "1", **fields})


# Asking


@pytest.mark.parametrize("how", ["reply", "quote"])
def test_facilitator_is_offered_the_follow_up_checkbox(
    dialogue, facilitator, participant_post, how
):
    """Replying to or quoting a participant's post, a facilitator sees "This is a
    follow-up question to NAME"."""
    query = {"reply": "parent", "quote": "quote"}[how]
    page = signed_in(facilitator).get(
        f"/t/{dialogue.pk}/reply/?{query}={participant_post.pk}"
    )
    assert page.status_code == 200
    assert "This is a follow-up question to Rosa Ilunga" in text(page)
    assert 'name="follow_up"' in html(page)


def test_the_queue_link_comes_with_the_checkbox_ticked(
    dialogue, facilitator, participant_post
):
    """The queue's "Follow up" link (follow_up=1) pre-ticks the checkbox."""
    page = html(
        signed_in(facilitator).get(
            f"/t/{dialogue.pk}/reply/?parent={participant_post.pk}"
            f"&quote={participant_post.pk}&follow_up=1"
        )
    )
    checkbox = re.search(r'<input type="checkbox" name="follow_up"[^>]*>', page)
    assert checkbox is not None
    assert "checked" in checkbox.group(0)


def test_facilitator_is_not_offered_the_checkbox_on_their_own_post_or_the_topic(
    dialogue, facilitator
):
    """No follow-up to oneself, nor without a post being answered."""
    own = ReplyFactory(topic=dialogue, author=facilitator, body="My own thoughts.")
    client = signed_in(facilitator)
    for url in (f"/t/{dialogue.pk}/reply/?parent={own.pk}", f"/t/{dialogue.pk}/reply/"):
        assert 'name="follow_up"' not in html(client.get(url)), url


def test_facilitators_reply_marked_as_follow_up_is_for_the_participant(
    dialogue, follow_up, user, facilitator
):
    """The post records whom the question is for, and says so on the page,
    awaiting an answer."""
    assert follow_up.follow_up_for == user
    assert follow_up.follow_up_answered_at is None
    page = Client().get(dialogue.get_absolute_url())
    assert (
        follow_up_label(page, follow_up)
        == "Follow-up question to Rosa Ilunga · awaiting an answer"
    )


def test_facilitators_quote_marked_as_follow_up_is_for_the_quoted_participant(
    dialogue, facilitator, participant_post, user, other_user
):
    """Quoting a post (under another one) makes the question to the quoted
    author."""
    other = ReplyFactory(topic=dialogue, author=other_user, body="I disagree.")
    response = reply(
        signed_in(facilitator),
        dialogue,
        "Rosa, what would listening look like?",
        parent=str(other.pk),
        quoting=str(participant_post.pk),
        follow_up="on",
    )
    assert response.status_code == 302
    post = Post.objects.get(body="Rosa, what would listening look like?")
    assert post.follow_up_for == user


def test_facilitators_reply_without_the_box_ticked_is_no_follow_up(
    dialogue, facilitator, participant_post
):
    """An ordinary answer from a facilitator asks nobody anything."""
    reply(
        signed_in(facilitator),
        dialogue,
        "Thank you for saying so.",
        parent=str(participant_post.pk),
    )
    assert Post.objects.get(body="Thank you for saying so.").follow_up_for is None


# Being told


def test_participant_is_told_on_the_topic_page_with_a_link_to_answer(
    dialogue, follow_up, user
):
    """The participant sees "A facilitator asked you a question" and an "Answer
    it" link to a reply to the question, quoting it."""
    page = signed_in(user).get(dialogue.get_absolute_url())
    assert NOTICE in text(page)
    note = re.search(r'<p class="follow-up-note".*?</p>', html(page), re.S).group(0)
    link = re.search(r'<a href="([^"]+)">Answer it</a>', note)
    assert link is not None
    assert html_lib.unescape(link.group(1)) == (
        f"/t/{dialogue.pk}/reply/?parent={follow_up.pk}&quote={follow_up.pk}"
    )
    assert "Mira Sol" in html_lib.unescape(note)


@pytest.mark.parametrize("who", ["visitor", "other participant", "facilitator"])
def test_nobody_else_is_told(dialogue, follow_up, other_user, facilitator, who):
    """The notice is for the participant asked, no one else."""
    client = {
        "visitor": Client(),
        "other participant": signed_in(other_user),
        "facilitator": signed_in(facilitator),
    }[who]
    page = client.get(dialogue.get_absolute_url())
    assert page.status_code == 200
    assert NOTICE not in text(page)


# Answering


def test_following_answer_it_and_replying_answers_the_question(
    dialogue, follow_up, user
):
    """The "Answer it" form quotes the question; posting it marks the question
    answered, the notice goes and the question says "answered"."""
    client = signed_in(user)
    form = client.get(
        f"/t/{dialogue.pk}/reply/?parent={follow_up.pk}&quote={follow_up.pk}"
    )
    assert form.status_code == 200
    assert "When did you last feel listened to?" in text(form)
    response = reply(
        client,
        dialogue,
        "> Mira wrote: When did you last feel listened to?\n\nAt the school fair.",
        parent=str(follow_up.pk),
        quoting=str(follow_up.pk),
    )
    assert response.status_code == 302
    assert fresh(follow_up).follow_up_answered_at is not None
    page = client.get(dialogue.get_absolute_url())
    assert NOTICE not in text(page)
    assert (
        follow_up_label(page, follow_up)
        == "Follow-up question to Rosa Ilunga · answered"
    )


def test_replying_to_the_question_answers_it(dialogue, follow_up, user):
    """A reply under the question (parent = the follow-up) answers it."""
    reply(signed_in(user), dialogue, "At the fair.", parent=str(follow_up.pk))
    assert fresh(follow_up).follow_up_answered_at is not None


def test_quoting_the_question_elsewhere_answers_it(dialogue, follow_up, user):
    """Quoting the question, even under the opening post, answers it."""
    reply(signed_in(user), dialogue, "Quoting it.", quoting=str(follow_up.pk))
    assert Post.objects.get(body="Quoting it.").parent_id == dialogue.first_post_id
    assert fresh(follow_up).follow_up_answered_at is not None


def test_other_posts_leave_the_question_open(
    dialogue, follow_up, user, other_user, facilitator, participant_post
):
    """Others replying to the question, or the participant posting elsewhere,
    do not answer it."""
    reply(
        signed_in(other_user), dialogue, "I can answer that.", parent=str(follow_up.pk)
    )
    reply(signed_in(facilitator), dialogue, "Anyone else?", parent=str(follow_up.pk))
    reply(signed_in(user), dialogue, "Unrelated thought.")
    reply(signed_in(user), dialogue, "To myself.", parent=str(participant_post.pk))
    assert fresh(follow_up).follow_up_answered_at is None
    assert NOTICE in text(signed_in(user).get(dialogue.get_absolute_url()))


def test_the_notice_lists_each_open_question(
    dialogue, facilitator, participant_post, user
):
    """Two open questions make two notices; answering one leaves the other."""
    first = services.post_reply(
        topic=dialogue,
        author=facilitator,
        body="First question?",
        parent=participant_post,
        follow_up=True,
    )
    second = services.post_reply(
        topic=dialogue,
        author=facilitator,
        body="Second question?",
        quoting=participant_post,
        follow_up=True,
    )
    client = signed_in(user)
    assert text(client.get(dialogue.get_absolute_url())).count(NOTICE) == 2
    services.post_reply(topic=dialogue, author=user, body="Answer.", parent=first)
    page = client.get(dialogue.get_absolute_url())
    assert text(page).count(NOTICE) == 1
    assert f"?parent={second.pk}&amp;quote={second.pk}" in html(page)


# Bad input


def test_follow_up_to_ones_own_post_is_a_form_error_keeping_the_text(
    dialogue, facilitator
):
    """A facilitator marking a reply to their own post as a follow-up gets a form
    error; the text stays and nothing is posted."""
    own = ReplyFactory(topic=dialogue, author=facilitator, body="My own thoughts.")
    body = "Did I mean what I said?"
    response = reply(
        signed_in(facilitator), dialogue, body, parent=str(own.pk), follow_up="on"
    )
    assert response.status_code == 200
    assert "cannot be to yourself" in text(response)
    assert body in text(response)
    assert not Post.objects.filter(body=body).exists()


def test_post_reply_refuses_a_follow_up_to_oneself(dialogue, facilitator):
    """The service raises ForumError and posts nothing."""
    own = ReplyFactory(topic=dialogue, author=facilitator, body="My own thoughts.")
    with pytest.raises(ForumError, match="cannot be to yourself"):
        services.post_reply(
            topic=dialogue,
            author=facilitator,
            body="Talking to myself?",
            parent=own,
            follow_up=True,
        )
    assert not Post.objects.filter(body="Talking to myself?").exists()


def test_post_reply_refuses_a_follow_up_answering_no_post(dialogue, facilitator):
    """A follow-up needs a participant's post to answer."""
    with pytest.raises(ForumError, match="answers a participant's post"):
        services.post_reply(
            topic=dialogue, author=facilitator, body="To whom?", follow_up=True
        )


def test_participant_is_not_offered_follow_ups_and_cannot_force_one(
    dialogue, participant_post, other_user
):
    """The checkbox is not offered to a participant; posting follow_up=1 anyway
    posts an ordinary reply."""
    client = signed_in(other_user)
    form = client.get(
        f"/t/{dialogue.pk}/reply/?parent={participant_post.pk}&quote={participant_post.pk}"
    )
    assert 'name="follow_up"' not in html(form)
    assert "follow-up question" not in text(form)
    response = reply(
        client,
        dialogue,
        "Why do you say that?",
        parent=str(participant_post.pk),
        follow_up="1",
    )
    assert response.status_code == 302
    post = Post.objects.get(body="Why do you say that?")
    assert post.follow_up_for is None
    assert not Post.objects.filter(follow_up_for__isnull=False).exists()


def test_post_reply_refuses_a_participants_follow_up(
    dialogue, participant_post, other_user
):
    """Only facilitators mark follow-up questions, whatever calls the service."""
    with pytest.raises(ForumError, match="Only facilitators"):
        services.post_reply(
            topic=dialogue,
            author=other_user,
            body="Forced follow-up.",
            parent=participant_post,
            follow_up=True,
        )
    assert not Post.objects.filter(body="Forced follow-up.").exists()
