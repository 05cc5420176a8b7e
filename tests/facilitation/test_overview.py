"""The participation overview of a dialogue: who has spoken, how much, who has
been answered, and who has not been heard yet."""

import re

import pytest

from facilitation import queries as facilitation_queries
from forum import services as forum_services
from forum.models import Category
from moderation import services
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, count_queries, html

from . import backdate


@pytest.fixture
def facilitator(category):
    return make_facilitator(category, display_name="Mira Sol", username="mira")


@pytest.fixture
def dialogue(category, facilitator):
    return TopicFactory(
        category=category,
        author=facilitator,
        title="Trust in towns",
        body="What builds trust in your town?",
    )


def url(topic) -> str:
    return f"/moderation/t/{topic.pk}/participation/"


def person(name: str):
    return UserFactory(display_name=name.title(), username=name)


def read(user, topic) -> None:
    """The user opens the topic and reads its first page."""
    topic.refresh_from_db()
    forum_services.mark_read(
        user=user,
        topic=topic,
        read_up_to=None,
        positions=list(range(1, topic.post_count + 1)),
    )


@pytest.fixture
def small_dialogue(dialogue, facilitator):
    """Alice is answered by Bob and the facilitator; Bob by Alice; Evan by nobody;
    Carol only read; Dave never came."""
    alice, bob, carol, evan = (person(n) for n in ("alice", "bob", "carol", "evan"))
    person("dave")
    a1 = backdate(
        ReplyFactory(topic=dialogue, author=alice, body="Trust is local and slow."),
        days=3,
    )
    b1 = backdate(
        ReplyFactory(topic=dialogue, author=bob, parent=a1, body="I agree with that."),
        days=2,
    )
    a2 = backdate(
        ReplyFactory(
            topic=dialogue,
            author=alice,
            parent=b1,
            quoting=b1,
            body="> I agree with that.\n\nThanks, Bob.",
        ),
        days=1,
    )
    a3 = ReplyFactory(topic=dialogue, author=alice, parent=a1, body="Also: patience.")
    ReplyFactory(topic=dialogue, author=facilitator, parent=a1, body="Say more?")
    spam = ReplyFactory(topic=dialogue, author=bob, parent=a2, body="Buy cheap pills")
    services.hide_post(post=spam, actor=facilitator, reason="Spam")
    ReplyFactory(topic=dialogue, author=evan, body="Hello all.")
    read(carol, dialogue)
    return {"a1": a1, "b1": b1, "a2": a2, "a3": a3}


def by_name(voices) -> dict:
    return {v.user.username: v for v in voices}


def test_overview_counts_posts_words_replies_and_activity(dialogue, small_dialogue):
    """Exact numbers for each voice, hidden posts and self-replies left out."""
    data = facilitation_queries.participation(topic=dialogue)

    people = by_name(data.participants)
    assert sorted(people) == ["alice", "bob", "evan"]
    alice, bob, evan = people["alice"], people["bob"], people["evan"]
    assert (alice.posts, alice.words, alice.replies_received) == (3, 9, 2)
    assert (bob.posts, bob.words, bob.replies_received) == (1, 4, 1)
    assert (evan.posts, evan.words, evan.replies_received) == (1, 2, 0)
    assert alice.last_activity == small_dialogue["a3"].created_at
    assert bob.last_activity == small_dialogue["b1"].created_at
    assert [v.user.username for v in data.facilitators] == ["mira"]
    mira = data.facilitators[0]
    assert (mira.posts, mira.words, mira.replies_received) == (2, 8, 2)
    assert mira.role == "Facilitator"


def test_overview_counts_voices_answered_and_not_heard(dialogue, small_dialogue):
    """Answered voices have a reply from someone else; readers who have not
    posted are not heard yet; in a public category nobody else is listed."""
    data = facilitation_queries.participation(topic=dialogue)

    assert sorted(v.user.username for v in data.answered) == ["alice", "bob"]
    assert [v.user.username for v in data.unanswered] == ["evan"]
    assert [v.user.username for v in data.read_not_heard] == ["carol"]
    assert data.not_heard == []
    assert data.not_heard_count == 1


def test_overview_page_shows_the_numbers(client, dialogue, facilitator, small_dialogue):
    """The page has a row per voice, facilitators in their own table."""
    client.force_login(facilitator)

    page = html(client.get(url(dialogue)))

    row = re.search(r'<tr data-user="alice">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'class="num"[^>]*>(\d+)<', row) == ["3", "9", "2"]
    assert small_dialogue["a3"].created_at.strftime("%-d %b %Y") in row
    facilitators = re.search(r'id="facilitators">(.*?)</table>', page, re.S).group(1)
    assert 'data-user="mira"' in facilitators
    assert "badge-facilitator" in facilitators
    participants = re.search(r'id="participants">(.*?)</table>', page, re.S).group(1)
    assert 'data-user="mira"' not in participants
    assert '<strong data-count="participants">3</strong>' in page
    assert '<strong data-count="answered">2</strong>' in page
    assert '<strong data-count="unanswered">1</strong>' in page
    assert '<strong data-count="not-heard">1</strong>' in page
    read_only = re.search(r'id="read-not-heard">(.*?)</ul>', page, re.S).group(1)
    assert "Carol" in read_only
    assert "Dave" not in page


def test_members_only_dialogue_lists_members_not_heard(client):
    """In a members-only category, members who neither read nor posted are not
    heard yet too; outsiders are not listed."""
    category = CategoryFactory()
    configure(category, visibility=Category.Visibility.PRIVATE)
    category.refresh_from_db()
    facilitator = make_facilitator(category)
    talker, reader, silent = person("talker"), person("reader"), person("silent")
    for member in (talker, reader, silent):
        services.add_member(user=member, category=category, actor=facilitator)
    person("outsider")
    dialogue = TopicFactory(category=category, author=facilitator)
    ReplyFactory(topic=dialogue, author=talker, body="Here is what I think.")
    read(reader, dialogue)

    data = facilitation_queries.participation(topic=dialogue)

    assert [v.user.username for v in data.participants] == ["talker"]
    assert [v.user.username for v in data.read_not_heard] == ["reader"]
    assert [v.user.username for v in data.not_heard] == ["silent"]
    assert data.not_heard_count == 2
    client.force_login(facilitator)
    page = html(client.get(url(dialogue)))
    unread = re.search(r'id="unread-members">(.*?)</ul>', page, re.S).group(1)
    assert "Silent" in unread
    assert "Outsider" not in page


def test_admins_who_post_are_marked(dialogue, small_dialogue):
    admin = UserFactory(is_staff=True, username="ada")
    ReplyFactory(topic=dialogue, author=admin, body="Welcome, everyone.")

    data = facilitation_queries.participation(topic=dialogue)

    assert by_name(data.facilitators)["ada"].role == "Admin"
    assert "ada" not in by_name(data.participants)


def test_overview_is_for_the_categorys_facilitators(client, dialogue, user):
    """Visitors sign in; participants and other categories' facilitators are
    refused; admins may look."""
    response = client.get(url(dialogue))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    client.force_login(user)
    assert client.get(url(dialogue)).status_code == 403

    client.force_login(make_facilitator(CategoryFactory()))
    assert client.get(url(dialogue)).status_code == 403

    client.force_login(UserFactory(is_staff=True))
    assert client.get(url(dialogue)).status_code == 200

    assert client.get("/moderation/t/999999/participation/").status_code == 404


def test_overview_of_an_unseen_dialogue_is_not_found(client):
    """A members-only dialogue does not exist for those who may not see it."""
    category = CategoryFactory()
    configure(category, visibility=Category.Visibility.PRIVATE)
    dialogue = TopicFactory(category=category, author=make_facilitator(category))
    client.force_login(make_facilitator(CategoryFactory()))

    assert client.get(url(dialogue)).status_code == 404


def test_topic_page_links_the_overview_for_facilitators(
    client, dialogue, facilitator, user
):
    """The facilitator tools on the topic page link to it; participants see no
    link."""
    link = f'href="{url(dialogue)}"'
    client.force_login(facilitator)
    assert link in html(client.get(dialogue.get_absolute_url()))

    client.force_login(user)
    assert link not in html(client.get(dialogue.get_absolute_url()))


def dialogue_with(voices: int):
    category = CategoryFactory()
    facilitator = make_facilitator(category)
    dialogue = TopicFactory(category=category, author=facilitator)
    for n in range(voices):
        post = ReplyFactory(topic=dialogue, author=UserFactory(), body=f"Voice {n}")
        ReplyFactory(topic=dialogue, author=UserFactory(), parent=post, body="Yes.")
        read(UserFactory(), dialogue)
    return facilitator, dialogue


def test_overview_runs_constant_queries(client):
    """As many queries with 2 voices as with 20."""
    counts = []
    for voices in (2, 20):
        facilitator, dialogue = dialogue_with(voices)
        client.force_login(facilitator)
        counts.append(count_queries(client, url(dialogue)))
        page = html(client.get(url(dialogue)))
        participants = re.search(r'id="participants">(.*?)</table>', page, re.S)
        assert participants.group(1).count("<tr data-user=") == 2 * voices
    assert counts[0] == counts[1]
