"""Prompting questions end to end: a facilitator opens a dialogue with them,
adds and rewords them later, participants tag their replies with the questions
they answer, and the topic page counts and filters the answers."""

import html as html_lib
import re
from urllib.parse import urljoin

import pytest
from django.test import Client

from facilitation import services as facilitation
from facilitation.models import Prompt
from forum import services
from forum.exceptions import ForumError
from forum.models import Post, Topic
from moderation import services as moderation
from tests.factories import (
    CategoryFactory,
    DialogueFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, count_queries, html, signed_in, text

QUESTIONS = [
    "What brought you to this dialogue?",
    "What would make you trust the council again?",
    "What could you do yourself?",
]


def answer_counts(response) -> dict[int, str]:
    """Prompt id -> the answer count text in "Questions in this dialogue"."""
    section = re.search(
        r'<section class="prompts".*?</section>', html(response), re.S
    ).group(0)
    return {
        int(pk): count
        for pk, count in re.findall(
            r'<li id="q(\d+)">.*?<a [^>]*href="\?prompt=\d+"[^>]*>(\d+ answers?)</a>',
            section,
            re.S,
        )
    }


def thread_ids(response) -> list[int]:
    """Ids of the posts shown in the thread, in page order."""
    page = html(response)
    thread = page[page.index('<div class="thread') :]
    for end in ('<section class="unpublished"', '<section class="reply-box"'):
        if end in thread:
            thread = thread[: thread.index(end)]
    return [int(pk) for pk in re.findall(r'<article [^>]*id="p(\d+)"', thread)]


@pytest.fixture
def dialogue(category, facilitator):
    return DialogueFactory(
        category=category,
        author=facilitator,
        body="Welcome. Answer any of the questions below.",
        prompts=QUESTIONS,
    )


@pytest.fixture
def prompts(dialogue) -> list[Prompt]:
    return list(dialogue.prompts.order_by("position"))


def reply_data(body: str, **extra) -> dict:
    return {"body": body, "subject": "", "post": "1", **extra}


# Opening a dialogue with prompts


def test_facilitator_opens_a_dialogue_with_one_prompt_per_line(category, facilitator):
    """The prompts textarea of the new-topic form makes one ordered Prompt per
    non-empty line, and the topic page lists each with its #q<id> anchor."""
    client = signed_in(facilitator)
    response = client.post(
        f"/c/{category.slug}/new/",
        {
            "title": "Shared gardens",
            "body": "Let us talk about the gardens.",
            "prompts": "  Who tends them?  \n\nWho may pick?\r\nWhat should change?\n",
            "post": "1",
        },
    )
    topic = Topic.objects.get(title="Shared gardens")
    assert response.status_code == 302
    assert response.url == topic.get_absolute_url()
    prompts = list(topic.prompts.order_by("position"))
    assert [(p.position, p.text) for p in prompts] == [
        (1, "Who tends them?"),
        (2, "Who may pick?"),
        (3, "What should change?"),
    ]
    page = client.get(topic.get_absolute_url())
    body = html(page)
    assert "Questions in this dialogue" in body
    positions = [body.index(f'<li id="{p.anchor}">') for p in prompts]
    assert positions == sorted(positions)
    assert [p.anchor for p in prompts] == [f"q{p.pk}" for p in prompts]
    # Each prompt is its own object: the anchors differ.
    assert len({p.anchor for p in prompts}) == 3


def test_only_facilitators_are_offered_prompts_and_schedule_fields(
    category, facilitator, user
):
    """A participant's new-topic form has no prompts, opens or closes fields, and
    prompts posted anyway make no questions."""
    facilitator_form = html(signed_in(facilitator).get(f"/c/{category.slug}/new/"))
    for name in ("prompts", "opens_at", "closes_at"):
        assert f'name="{name}"' in facilitator_form

    participant = signed_in(user)
    participant_form = html(participant.get(f"/c/{category.slug}/new/"))
    for name in ("prompts", "opens_at", "closes_at"):
        assert f'name="{name}"' not in participant_form
    response = participant.post(
        f"/c/{category.slug}/new/",
        {
            "title": "My own question",
            "body": "What do you all think?",
            "prompts": "Sneaky question?",
            "post": "1",
        },
    )
    assert response.status_code == 302
    topic = Topic.objects.get(title="My own question")
    assert not topic.prompts.exists()


# Adding and editing prompts later


def test_settings_page_adds_a_prompt_at_the_end(dialogue, facilitator, prompts):
    """ "Add question" appends a prompt after the existing ones; the topic page
    then lists it last."""
    client = signed_in(facilitator)
    url = f"/moderation/t/{dialogue.pk}/dialogue/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"add_prompt": "1", "text": "  Who is missing?  "})
    assert response.status_code == 302
    added = dialogue.prompts.get(text="Who is missing?")
    assert added.position == 4
    page = html(client.get(dialogue.get_absolute_url()))
    assert page.index(f'id="q{prompts[2].pk}"') < page.index(f'id="q{added.pk}"')


def test_settings_page_refuses_an_empty_new_prompt(dialogue, facilitator):
    """An empty question is a form error and adds nothing."""
    response = signed_in(facilitator).post(
        f"/moderation/t/{dialogue.pk}/dialogue/", {"add_prompt": "1", "text": ""}
    )
    assert response.status_code == 200
    assert "Write the question." in html(response)
    assert dialogue.prompts.count() == 3


def test_settings_page_rewords_a_prompt_and_its_answers_stay_tagged(
    dialogue, facilitator, prompts, user
):
    """Editing a question changes its text on the topic page; replies that
    answered it still count for it."""
    reply = ReplyFactory(
        topic=dialogue, author=user, body="Trust is earned.", prompts=[prompts[1]]
    )
    client = signed_in(facilitator)
    settings_page = html(client.get(f"/moderation/t/{dialogue.pk}/dialogue/"))
    assert f'name="text-{prompts[1].pk}"' in settings_page
    response = client.post(
        f"/moderation/t/{dialogue.pk}/dialogue/",
        {
            "edit_prompt": str(prompts[1].pk),
            f"text-{prompts[1].pk}": "What builds trust?",
        },
    )
    assert response.status_code == 302
    assert Prompt.objects.get(pk=prompts[1].pk).text == "What builds trust?"
    assert list(Post.objects.get(pk=reply.pk).prompts.all()) == [prompts[1]]
    page = client.get(dialogue.get_absolute_url())
    assert "What builds trust?" in text(page)
    assert QUESTIONS[1] not in text(page)
    assert answer_counts(page)[prompts[1].pk] == "1 answer"


def test_settings_page_cannot_edit_another_dialogues_prompt(
    category, dialogue, facilitator
):
    """A prompt id from another topic is not found on this topic's settings."""
    other = TopicFactory(category=category, author=facilitator, prompts=["Elsewhere?"])
    foreign = other.prompts.get()
    response = signed_in(facilitator).post(
        f"/moderation/t/{dialogue.pk}/dialogue/",
        {"edit_prompt": str(foreign.pk), f"text-{foreign.pk}": "Hijacked?"},
    )
    assert response.status_code == 404
    assert Prompt.objects.get(pk=foreign.pk).text == "Elsewhere?"


def test_services_add_and_edit_prompts(dialogue, prompts):
    """add_prompt appends; edit_prompt reports whether the text changed."""
    added = facilitation.add_prompt(topic=dialogue, text="Last one?")
    assert added.position == 4
    assert facilitation.edit_prompt(prompt=prompts[0], text="Why are you here?")
    assert not facilitation.edit_prompt(prompt=prompts[0], text="Why are you here?")
    assert list(dialogue.prompts.values_list("text", flat=True)) == [
        "Why are you here?",
        QUESTIONS[1],
        QUESTIONS[2],
        "Last one?",
    ]


# Answering prompts


def test_reply_forms_offer_answering_checkboxes(dialogue, prompts, user):
    """The reply page and the reply box on the topic page offer one "Answering"
    checkbox per question, in order."""
    client = signed_in(user)
    for url in (f"/t/{dialogue.pk}/reply/", dialogue.get_absolute_url()):
        page = html(client.get(url))
        assert "Answering" in page
        values = re.findall(r'type="checkbox" name="answering" value="(\d+)"', page)
        assert values == [str(p.pk) for p in prompts], url
        for question in QUESTIONS:
            assert html_lib.escape(question) in page


def test_topic_without_prompts_offers_no_answering_checkboxes(topic, user):
    """A plain topic's reply form has no "Answering" field."""
    page = html(signed_in(user).get(f"/t/{topic.pk}/reply/"))
    assert 'name="answering"' not in page


def test_replies_tagged_with_prompts_are_counted_per_question(
    dialogue, prompts, user, other_user
):
    """Ticking questions tags the reply; the list at the top of the topic shows
    how many answers each question drew."""
    response = signed_in(user).post(
        f"/t/{dialogue.pk}/reply/",
        reply_data(
            "I came for my children.",
            answering=[str(prompts[0].pk), str(prompts[2].pk)],
        ),
    )
    assert response.status_code == 302
    post = Post.objects.get(body="I came for my children.")
    assert set(post.prompts.all()) == {prompts[0], prompts[2]}

    signed_in(other_user).post(
        f"/t/{dialogue.pk}/reply/",
        reply_data("Me too.", answering=[str(prompts[0].pk)]),
    )
    page = Client().get(dialogue.get_absolute_url())
    assert answer_counts(page) == {
        prompts[0].pk: "2 answers",
        prompts[1].pk: "0 answers",
        prompts[2].pk: "1 answer",
    }
    # The questions are listed before the thread.
    assert html(page).index("Questions in this dialogue") < html(page).index(
        f'id="p{dialogue.first_post_id}"'
    )


def hold_for_approval(category, dialogue, prompt) -> Post:
    """A newcomer's tagged reply, held for approval (the threshold is a setting
    admins make in the Django admin, written here as a row update)."""
    configure(category, approval_threshold=1)
    newcomer = UserFactory(display_name="New Voice")
    pending = services.post_reply(
        topic=dialogue, author=newcomer, body="My first words.", prompts=[prompt]
    )
    assert pending.status == Post.Status.PENDING
    return pending


def test_answer_counts_include_only_published_replies(category, dialogue, prompts):
    """A tagged reply awaiting approval is neither counted nor shown by the
    filter."""
    hold_for_approval(category, dialogue, prompts[0])
    page = Client().get(dialogue.get_absolute_url())
    assert answer_counts(page)[prompts[0].pk] == "0 answers"
    filtered = Client().get(f"{dialogue.get_absolute_url()}?prompt={prompts[0].pk}")
    assert "My first words." not in text(filtered)


def test_an_approved_tagged_reply_is_counted(category, dialogue, prompts, facilitator):
    """Once a facilitator approves the held reply, its question counts it."""
    pending = hold_for_approval(category, dialogue, prompts[0])
    moderation.approve_post(post=pending, actor=facilitator)
    page = Client().get(dialogue.get_absolute_url())
    assert answer_counts(page)[prompts[0].pk] == "1 answer"
    filtered = Client().get(f"{dialogue.get_absolute_url()}?prompt={prompts[0].pk}")
    assert "My first words." in text(filtered)


def test_prompt_filter_shows_only_the_replies_answering_it(
    dialogue, prompts, user, other_user
):
    """?prompt=<id> shows the replies tagged with that question and nothing else,
    and says so with a link back to the whole dialogue."""
    first = ReplyFactory(
        topic=dialogue, author=user, body="Answer to the first.", prompts=[prompts[0]]
    )
    both = ReplyFactory(
        topic=dialogue,
        author=other_user,
        body="Answer to both.",
        prompts=[prompts[0], prompts[1]],
    )
    second = ReplyFactory(
        topic=dialogue, author=user, body="Only the second.", prompts=[prompts[1]]
    )
    untagged = ReplyFactory(topic=dialogue, author=other_user, body="Just chatting.")

    response = Client().get(f"{dialogue.get_absolute_url()}?prompt={prompts[0].pk}")
    assert response.status_code == 200
    shown = thread_ids(response)
    assert sorted(shown) == sorted([first.pk, both.pk])
    for hidden in (second, untagged):
        assert f'id="p{hidden.pk}"' not in html(response)
    assert f'id="p{dialogue.first_post_id}"' not in html(response)
    assert "Showing the replies answering question 1 only." in text(response)
    assert "Show the whole dialogue" in text(response)

    whole = Client().get(dialogue.get_absolute_url())
    assert {first.pk, both.pk, second.pk, untagged.pk} <= set(thread_ids(whole))


@pytest.fixture
def paged_answers(dialogue, prompts, user, settings):
    """Three answers to the first question among three asides, two posts a page:
    (the answers, the address of the view filtered by that question)."""
    settings.FORUM_POSTS_PER_PAGE = 2
    answers = [
        ReplyFactory(
            topic=dialogue, author=user, body=f"Answer {n}.", prompts=[prompts[0]]
        )
        for n in range(3)
    ]
    for n in range(3):
        ReplyFactory(topic=dialogue, author=user, body=f"Aside {n}.")
    url = f"{dialogue.get_absolute_url()}?prompt={prompts[0].pk}"
    return answers, url


def test_prompt_filter_pages_through_the_answers(paged_answers):
    """A filtered view longer than a page pages through the answers only."""
    answers, url = paged_answers
    assert thread_ids(Client().get(url)) == [answers[0].pk, answers[1].pk]
    second = Client().get(f"{url}&page=2")
    assert thread_ids(second) == [answers[2].pk]
    assert Client().get(f"{url}&page=3").status_code == 404


def test_prompt_filter_page_links_keep_the_filter(paged_answers):
    """The "Next" link of a filtered view leads to the next page of answers to
    the same question."""
    answers, url = paged_answers
    first = Client().get(url)
    link = re.search(r'<a href="([^"]+)" rel="next">', html(first))
    assert link is not None
    following = urljoin(url, html_lib.unescape(link.group(1)))
    assert thread_ids(Client().get(following)) == [answers[2].pk]


def test_prompt_filter_of_a_question_nobody_answered_shows_an_empty_thread(
    dialogue, prompts, user
):
    """A question without answers filters to no posts, not an error."""
    ReplyFactory(topic=dialogue, author=user, body="Untagged.")
    response = Client().get(f"{dialogue.get_absolute_url()}?prompt={prompts[2].pk}")
    assert response.status_code == 200
    assert thread_ids(response) == []


@pytest.mark.parametrize("which", ["unknown", "foreign", "not a number"])
def test_prompt_filter_with_a_prompt_not_of_this_dialogue_is_404(
    category, dialogue, facilitator, which
):
    """An unknown prompt id, another topic's prompt or garbage answer 404."""
    other = TopicFactory(category=category, author=facilitator, prompts=["Elsewhere?"])
    value = {
        "unknown": str(Prompt.objects.order_by("-pk").first().pk + 1000),
        "foreign": str(other.prompts.get().pk),
        "not a number": "abc",
    }[which]
    response = Client().get(f"{dialogue.get_absolute_url()}?prompt={value}")
    assert response.status_code == 404


def test_tagging_a_reply_with_another_dialogues_prompt_is_a_form_error(
    category, dialogue, facilitator, user
):
    """A prompt of another topic in "answering" re-shows the form with a clear
    error and the text as typed; nothing is posted."""
    other = TopicFactory(category=category, author=facilitator, prompts=["Elsewhere?"])
    foreign = other.prompts.get()
    body = "These are my careful words about trust."
    response = signed_in(user).post(
        f"/t/{dialogue.pk}/reply/", reply_data(body, answering=[str(foreign.pk)])
    )
    assert response.status_code == 200
    assert "That question is not one of this dialogue's." in text(response)
    assert body in html(response)
    assert not Post.objects.filter(body=body).exists()


def test_post_reply_refuses_a_prompt_of_another_dialogue(
    category, dialogue, facilitator, user
):
    """The service raises ForumError and writes nothing."""
    other = TopicFactory(category=category, author=facilitator, prompts=["Elsewhere?"])
    with pytest.raises(ForumError, match="another dialogue"):
        services.post_reply(
            topic=dialogue,
            author=user,
            body="Wrong question.",
            prompts=[other.prompts.get()],
        )
    assert not Post.objects.filter(body="Wrong question.").exists()
    assert Topic.objects.get(pk=dialogue.pk).post_count == 1


# Queries


def build_dialogue(category, facilitator, participant, posts: int) -> Topic:
    """A dialogue with three prompts and `posts` posts in all: tagged answers,
    facilitators' follow-up questions (to the participant among others, some
    answered), facilitators' notes."""
    topic = TopicFactory(category=category, author=facilitator, prompts=QUESTIONS)
    prompts = list(topic.prompts.all())
    authors = [participant, *[UserFactory() for _ in range(3)]]
    made = [Post.objects.get(pk=topic.first_post_id)]
    for n in range(posts - 1):
        parent = made[n // 2]
        if n % 4 == 3 and parent.author_id not in (None, facilitator.pk):
            post = services.post_reply(
                topic=topic,
                author=facilitator,
                body=f"Could you say more, {n}?",
                parent=parent,
                follow_up=True,
            )
        else:
            post = services.post_reply(
                topic=topic,
                author=authors[n % len(authors)],
                body=f"Answer {n} with *markdown*.",
                parent=parent,
                prompts=prompts[: n % 4],
            )
            if n % 3 == 0:
                facilitation.annotate_post(
                    post=post, actor=facilitator, note="", tags="quote for summary"
                )
        made.append(post)
    topic.refresh_from_db()
    assert topic.post_count == posts
    return topic


@pytest.mark.parametrize(
    "viewer",
    [
        "visitor",
        "reader",
        "participant",
        "facilitator",
    ],
)
def test_dialogue_topic_page_queries_do_not_grow_with_posts(viewer, settings):
    """The topic page of a dialogue with prompts runs the same number of queries
    with 5 and 40 posts: signed out, signed in as a reader, as a participant with
    posts and follow-up questions in it, and as its facilitator."""
    settings.FORUM_POSTS_PER_PAGE = 100
    counts = []
    for posts in (5, 40):
        category = CategoryFactory()
        facilitator = make_facilitator(category)
        participant = UserFactory()
        topic = build_dialogue(category, facilitator, participant, posts)
        client = Client()
        if viewer == "reader":
            client.force_login(UserFactory())
        elif viewer == "participant":
            client.force_login(participant)
            assert Post.objects.filter(follow_up_for=participant).exists()
        elif viewer == "facilitator":
            client.force_login(facilitator)
        url = topic.get_absolute_url()
        first = count_queries(client, url)
        again = count_queries(client, url)
        filtered = count_queries(client, f"{url}?prompt={topic.prompts.first().pk}")
        counts.append((first, again, filtered))
    assert counts[0] == counts[1]
