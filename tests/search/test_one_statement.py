"""Search as one SQL statement: the count and the page together, the category
list shared with the form, filters at the edges of the calendar and of the day,
and the snippets cut in Python. Runs on SQLite and on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts
from forum import queries, search
from forum.search import Filters, Highlighter
from moderation import services as moderation
from tests.factories import (
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.search.test_search import URL, found, html, result_ids, snippets


def reader(zone: str):
    """A reader whose times are in this zone."""
    user = UserFactory()
    accounts.update_profile(user=user, display_name="", signature="", time_zone=zone)
    return user


def test_a_page_of_results_is_one_statement(category, django_assert_num_queries):
    """Given the reader's categories, the count and the page come from one SQL
    statement, by relevance and by date, with or without filters."""
    topic = TopicFactory(category=category, title="Harbour dues", body="Fees.")
    for n in range(5):
        ReplyFactory(topic=topic, body=f"The harbour {n}.")
    viewer = UserFactory()
    categories = queries.search_categories(viewer)
    for filters in (
        Filters(q="harbour"),
        Filters(q="harbour", order="date"),
        Filters(q="harbour", category_id=category.pk, topics_only=True),
    ):
        with django_assert_num_queries(1):
            results, info = queries.search_page(
                filters=filters, viewer=viewer, page=None, categories=categories
            )
        assert results and info.count == len(results)


def test_the_category_filter_costs_no_extra_query(client, category):
    """The form's category choices and the search share one category query:
    filtering on a category runs as many queries as searching everywhere."""
    TopicFactory(category=category, title="Harbour dues", body="Fees.")

    def statements(params) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    statements({"q": "warm"})
    everywhere = statements({"q": "harbour"})
    assert statements({"q": "harbour", "category": category.pk}) == everywhere
    # The signed-out address's limit counting the search, the category list and
    # the search.
    assert everywhere == 3


@pytest.mark.parametrize("value", ["x", "1.5", "99999", "-1"])
def test_a_category_that_is_not_offered_is_a_form_error(client, topic, value):
    """A category value that is not one of the choices is explained, and nothing
    is searched."""
    response = client.get(URL, {"q": "think", "category": value})
    assert response.status_code == 200
    assert "Select a valid choice." in html(response)
    assert response.context["results"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Etc/GMT+12"])
def test_dates_at_the_ends_of_the_calendar_find_everything(
    client, category, params, zone
):
    """The first and last days of the calendar are accepted in any time zone and
    leave nothing out, never an error."""
    client.force_login(reader(zone))
    post = TopicFactory(category=category, title="Harbour", body="Dues.").first_post
    assert found(client, "harbour", **params) == [post.pk]


def test_date_filters_use_the_readers_day(client, category, clock):
    """A post written at noon UTC on 5 March is on 6 March in Auckland: a reader
    there finds it from the 6th, a reader in UTC up to the 5th."""
    clock(5)
    post = TopicFactory(category=category, title="Harbour", body="Dues.").first_post
    clock(None)
    client.force_login(reader("Pacific/Auckland"))
    assert found(client, "harbour", date_from="2024-03-06") == [post.pk]
    assert found(client, "harbour", date_to="2024-03-05") == []
    client.force_login(reader("UTC"))
    assert found(client, "harbour", date_to="2024-03-05") == [post.pk]
    assert found(client, "harbour", date_from="2024-03-06") == []


def test_topics_only_past_the_cap_ranks_the_newest_topics(client, category, clock, cap):
    """Topics only, with more matching topics than the cap: the newest three are
    ranked, the title match first, and the oldest is left out."""
    topics = []
    for day, title in enumerate(["Old harbour", "Quay", "Harbour", "Pier"], start=1):
        clock(day)
        topics.append(TopicFactory(category=category, title=title, body="A harbour."))
    clock(None)
    ids = found(client, "harbour", topics_only="on") + found(
        client, "harbour", topics_only="on", page="2"
    )
    assert ids[0] == topics[2].first_post_id
    assert sorted(ids) == sorted(t.first_post_id for t in topics[1:])


def test_the_last_page_stops_at_the_cap(client, category, clock, cap):
    """Past the cap, the second page holds only the third result, by date and by
    relevance."""
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    for day in range(1, 6):
        clock(day)
        ReplyFactory(topic=topic, body=f"The harbour on day {day}.")
    clock(None)
    for order in ("date", "relevance"):
        assert len(found(client, "harbour", order=order)) == 2
        assert len(found(client, "harbour", order=order, page="2")) == 1


def test_hidden_post_stays_out_of_the_count_and_the_page(client, category):
    """A hidden post neither counts nor shows, by relevance or by date."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    shown = ReplyFactory(topic=topic, body="The harbour wall.")
    hidden = ReplyFactory(topic=topic, body="The harbour hiddenmarker.")
    moderation.hide_post(post=hidden, actor=facilitator, reason="Insult")
    for order in ("date", "relevance"):
        response = client.get(URL, {"q": "harbour", "order": order})
        assert result_ids(response) == [shown.pk]
        assert response.context["page"].count == 1
        assert "hiddenmarker" not in html(response)


def test_results_show_topic_category_author_and_date(client, category, clock):
    """A reply's result names and links its topic, its category, its author and
    its date; the title is its subject or first words, highlighted."""
    clock(7)
    topic = TopicFactory(category=category, title="Budget talk", body="Figures.")
    reply = ReplyFactory(topic=topic, body="The harbour fees went up again today.")
    clock(None)
    search_response = client.get(URL, {"q": "harbour"})
    page = html(search_response)
    assert search_response.status_code == 200
    assert f'<a class="row-title" href="/p/{reply.pk}/" data-user-content>' in page
    assert "The <mark>harbour</mark> fees went up again…</a>" in page
    assert f'Reply in <a href="/t/{topic.pk}/">Budget talk</a>' in page
    assert f" · {category.name} · {reply.author_name} · " in page
    assert 'datetime="2024-03-07T12:00:00+00:00"' in page


# Snippets


def test_snippet_starts_near_the_first_match_in_a_long_text(client, category):
    """In a long post the snippet opens shortly before the first matched word,
    with an ellipsis at either end."""
    body = "Filler words here. " * 40 + "The harbour wall. " + "More filler. " * 40
    TopicFactory(category=category, title="Notes", body=body)
    (snippet,) = snippets(client.get(URL, {"q": "harbour"}))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "The <mark>harbour</mark> wall." in snippet
    assert len(snippet) < 300


@pytest.mark.parametrize(
    ("text", "q", "expected"),
    [
        ("Harbours and HARBOUR-side", "harbour", ["Harbours", "HARBOUR"]),
        ("Réunion des médiatrices", "reunion mediatrice", ["Réunion", "médiatrices"]),
        ("A reunion of mediators", "réunion", ["reunion"]),
        ("東京 harbour", "東京", ["東京"]),
        ("plain harbour text", "東京", []),
        ("unharbour harbour", "harbour", ["harbour"]),
        ("Quoted\n> harbour line\nafter", "harbour", ["harbour"]),
        ("nothing here", "-harbour or", []),
    ],
)
def test_highlighter_marks_words_by_stem_accent_and_case(text, q, expected):
    """Words starting with a query word's stem are marked, whatever their case or
    accents; words merely containing it are not."""
    marked = Highlighter(q)(text)
    assert [part.split("</mark>")[0] for part in marked.split("<mark>")[1:]] == (
        expected
    )


def test_highlighter_marks_only_inside_the_snippet():
    """A match past the end of the snippet is cut off, not marked half."""
    text = "harbour " + "x" * 300 + " harbour"
    marked = Highlighter("harbour")(text, width=50)
    assert marked.count("<mark>") == 1
    assert marked.endswith("…")


def test_highlighter_escapes_the_text_around_and_inside_marks():
    """Markup in the text is escaped, inside a mark too."""
    marked = Highlighter("harbour")("<b>harbour</b> & <i>x</i>")
    assert (
        marked == "&lt;b&gt;<mark>harbour</mark>&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;"
    )


def test_timestamps_read_back_are_aware(category):
    """Dates read back by the search statement are aware, in UTC."""
    TopicFactory(category=category, title="Harbour", body="Dues.")
    count, results = search.find(
        filters=Filters(q="harbour"),
        categories=queries.search_categories(UserFactory()),
        offset=0,
        limit=20,
    )
    assert count == 1
    assert results[0].created_at.utcoffset() == timedelta(0)
