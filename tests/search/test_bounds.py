"""Search over many matches: the count stops at forum.search.RESULT_CAP ("500+
results"), pages stop there, date order walks the newest posts, and relevance
ranks the newest matches beside the matching topics. A small cap stands in for
the real one; everything here runs on SQLite and on PostgreSQL."""

import re

import pytest

from forum import queries
from forum.models import Post
from moderation import services as moderation
from tests.factories import ReplyFactory, TopicFactory, make_facilitator
from tests.search.test_search import URL, found, html, result_ids


def heading(response) -> str:
    match = re.search(r"<h2>([\d,]+\+?) results? for", html(response))
    assert match, "no results heading"
    return match.group(1)


@pytest.fixture
def harbour(category, clock) -> tuple[Post, list[Post]]:
    """An old topic titled "Harbour" (1 March), then, in another topic, five
    replies saying harbour, one a day from 2 to 6 March."""
    clock(1)
    titled = TopicFactory(category=category, title="Harbour dues", body="Fees.")
    other = TopicFactory(category=category, title="Budget", body="Figures.")
    replies = []
    for day in range(2, 7):
        clock(day)
        replies.append(ReplyFactory(topic=other, body=f"The harbour on day {day}."))
    clock(None)
    return titled.first_post, replies


def test_up_to_the_cap_the_count_is_exact(client, category, cap):
    """Three matches under a cap of three: "3 results", no "+"."""
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    for n in range(3):
        ReplyFactory(topic=topic, body=f"Harbour {n}.")
    response = client.get(URL, {"q": "harbour"})
    assert heading(response) == "3"
    assert response.context["page"].more is False
    assert "Add words or a filter" not in html(response)


def test_past_the_cap_the_count_says_more(client, harbour, cap):
    """Six matches under a cap of three: "3+ results" and a hint to narrow the
    search; the pages stop at the cap (two pages of two), the third is 404."""
    response = client.get(URL, {"q": "harbour", "order": "date"})
    assert heading(response) == "3+"
    assert response.context["page"].more is True
    assert "More than 3 posts match; the newest 3 are listed." in html(response)
    assert "1 of 2" in html(response)
    assert client.get(URL, {"q": "harbour", "page": "2"}).status_code == 200
    assert client.get(URL, {"q": "harbour", "page": "3"}).status_code == 404


def test_large_counts_are_shown_with_thousands_separators():
    """The label of a capped count reads like "1,000+"."""
    info = queries.SearchPageInfo(number=1, count=1000, per_page=20, more=True)
    assert info.label == "1,000+"
    assert queries.SearchPageInfo(number=1, count=7, per_page=20).label == "7"


def test_date_order_past_the_cap_lists_the_newest(client, harbour, cap):
    """By date, the pages list the newest matches, newest first."""
    _, replies = harbour
    first = found(client, "harbour", order="date")
    second = found(client, "harbour", order="date", page="2")
    assert first + second == [replies[4].pk, replies[3].pk, replies[2].pk]


def test_date_order_breaks_ties_by_newest_post(client, category, clock):
    """Posts written at the same moment come newest (last written) first."""
    clock(5)
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    replies = [ReplyFactory(topic=topic, body=f"Harbour {n}.") for n in range(4)]
    clock(None)
    assert found(client, "harbour", order="date") == [r.pk for r in reversed(replies)]


def test_date_order_skips_unseen_posts(client, category, clock):
    """A hidden post among the newest is left out of the date order."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    clock(1)
    old = ReplyFactory(topic=topic, body="The harbour wall.")
    clock(2)
    hidden = ReplyFactory(topic=topic, body="The harbour insult.")
    clock(3)
    new = ReplyFactory(topic=topic, body="The harbour boat.")
    clock(None)
    moderation.hide_post(post=hidden, actor=facilitator, reason="Insult")
    assert found(client, "harbour", order="date") == [new.pk, old.pk]


def test_relevance_past_the_cap_still_ranks_an_old_title_first(client, harbour, cap):
    """By relevance, an old topic whose title matches comes first, ahead of the
    newest matches, even when more posts match than the cap."""
    titled, replies = harbour
    response = client.get(URL, {"q": "harbour"})
    assert heading(response) == "3+"
    assert "the newest 3 and the newest matching topics are ranked" in html(response)
    ids = result_ids(response) + found(client, "harbour", page="2")
    assert ids[0] == titled.pk
    assert set(ids[1:]) <= {r.pk for r in replies[2:]}
    assert replies[0].pk not in ids


def test_relevance_under_the_cap_ranks_every_match(client, harbour):
    """With the real cap, every match is ranked: the title first, then all five
    replies."""
    titled, replies = harbour
    ids = found(client, "harbour")
    assert ids[0] == titled.pk
    assert sorted(ids[1:]) == sorted(r.pk for r in replies)
