"""Series of dialogues: the public series page, and a dialogue's context from
the one before it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from facilitation import services as facilitation
from facilitation.models import Series, SeriesEntry
from forum.models import Category
from moderation import services as moderation
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.helpers import configure, html


@pytest.fixture
def series():
    return facilitation.create_series(
        name="Trust rounds", slug="trust-rounds", description="Three rounds on trust."
    )


@pytest.fixture
def rounds(category, series, user):
    """Round 1 (locked, summarised), round 2 (open, summarised), round 3 (open,
    no summary yet), plus a dialogue outside the series."""
    made = []
    for n in (1, 2, 3):
        topic = TopicFactory(category=category, title=f"Round {n}", series=series)
        made.append(topic)
    facilitation.set_summary(
        topic=made[0], editor=user, summary="Round one found **common ground**."
    )
    facilitation.set_summary(
        topic=made[1], editor=user, summary="Round two went deeper."
    )
    moderation.lock_topic(topic=made[0], actor=user)
    TopicFactory(category=category, title="Unrelated dialogue")
    for topic in made:
        topic.refresh_from_db()
    return made


def test_series_url(series):
    """A series lives at /series/<slug>/."""
    assert series.get_absolute_url() == "/series/trust-rounds/"


def test_series_page_lists_dialogues_oldest_first_with_summaries(client, rounds):
    """The series page lists its dialogues in order, each with its phase, dates
    and summary, or says there is no summary yet."""
    response = client.get("/series/trust-rounds/")
    page = html(response)
    assert response.status_code == 200
    assert "<h1>Trust rounds</h1>" in page
    assert "Three rounds on trust." in page
    titles = re.findall(r'<h2 id="series-topic-\d+"><a href="[^"]+">([^<]+)</a>', page)
    assert titles == ["Round 1", "Round 2", "Round 3"]
    for topic in rounds:
        assert f'href="{topic.get_absolute_url()}"' in page
    assert "<strong>common ground</strong>" in page
    assert "Round two went deeper." in page
    assert page.count("No summary yet.") == 1
    assert "Unrelated dialogue" not in page
    first, rest = page.split("Round 2</a>", 1)
    assert "Locked" in first.split("Round 1</a>", 1)[1]
    assert "Open" in rest.split("Round 3</a>", 1)[0]


def test_series_page_shows_schedules(client, category, series):
    """A scheduled dialogue says when it opens and closes."""
    opens = timezone.now() + timedelta(days=3)
    TopicFactory(
        category=category,
        series=series,
        title="Next round",
        opens_at=opens,
        closes_at=opens + timedelta(days=7),
    )
    page = html(client.get(series.get_absolute_url()))
    assert "Scheduled" in page
    assert "opens <time" in page
    assert "closes <time" in page


def test_series_page_hides_dialogues_outsiders_may_not_see(client, rounds, series):
    """A members-only dialogue of the series is listed for members only."""
    inner = CategoryFactory(name="Inner circle", slug="inner")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    TopicFactory(category=inner, series=series, title="Members round")
    page = html(client.get(series.get_absolute_url()))
    assert "Members round" not in page
    assert "Round 1" in page
    member = UserFactory()
    admin = UserFactory(is_staff=True)
    moderation.add_member(user=member, category=inner, actor=admin)
    client.force_login(member)
    assert "Members round" in html(client.get(series.get_absolute_url()))


def test_series_of_only_hidden_dialogues_is_not_found(client, series):
    """A series whose dialogues are all out of the reader's sight answers 404,
    so its name does not leak."""
    inner = CategoryFactory(slug="inner")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    TopicFactory(category=inner, series=series, title="Members round")
    assert client.get(series.get_absolute_url()).status_code == 404
    client.force_login(UserFactory(is_staff=True))
    assert client.get(series.get_absolute_url()).status_code == 200


def test_empty_series_and_unknown_slug(client, series):
    """A new series says it has no dialogues yet; an unknown slug is a 404."""
    response = client.get(series.get_absolute_url())
    assert response.status_code == 200
    assert "No dialogues in this series yet." in html(response)
    assert client.get("/series/no-such-series/").status_code == 404


def test_topic_page_shows_the_previous_dialogues_summary(client, rounds):
    """A dialogue shows the previous one's title, link and summary as context,
    and links its series."""
    page = html(client.get(rounds[1].get_absolute_url()))
    assert "Before this dialogue:" in page
    assert f'<a href="{rounds[0].get_absolute_url()}">Round 1</a>' in page
    assert "<strong>common ground</strong>" in page
    assert 'href="/series/trust-rounds/"' in page
    first = html(client.get(rounds[0].get_absolute_url()))
    assert "Before this dialogue:" not in first


def test_topic_page_says_when_the_previous_dialogue_has_no_summary(client, rounds):
    """Without a summary, the context says so."""
    facilitation.set_summary(topic=rounds[1], editor=rounds[1].author, summary="")
    page = html(client.get(rounds[2].get_absolute_url()))
    assert f'<a href="{rounds[1].get_absolute_url()}">Round 2</a>' in page
    assert "No summary yet." in page


def test_previous_dialogue_out_of_sight_is_not_shown(client, category, series):
    """A members-only previous dialogue gives no context to outsiders: neither
    its title nor its summary."""
    inner = CategoryFactory(slug="inner")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    hidden = TopicFactory(category=inner, series=series, title="Members round")
    facilitation.set_summary(topic=hidden, editor=hidden.author, summary="Inner notes.")
    public = TopicFactory(category=category, series=series, title="Public round")
    page = html(client.get(public.get_absolute_url()))
    assert "Members round" not in page
    assert "Inner notes." not in page
    client.force_login(UserFactory(is_staff=True))
    assert "Inner notes." in html(client.get(public.get_absolute_url()))


def test_set_series_moves_a_dialogue_into_a_series(client, category, series):
    """The set_series service attaches a dialogue; the page then lists it."""
    topic = TopicFactory(category=category, title="Joined later")
    facilitation.set_series(topic=topic, series=series)
    assert SeriesEntry.objects.get(topic=topic).series == series
    facilitation.set_series(topic=topic, series=series)
    assert SeriesEntry.objects.filter(topic=topic).count() == 1
    assert "Joined later" in html(client.get(series.get_absolute_url()))
    facilitation.set_series(topic=topic, series=None)
    assert not SeriesEntry.objects.filter(topic=topic).exists()
    assert "Joined later" not in html(client.get(series.get_absolute_url()))


def test_admins_create_series_in_the_django_admin(client):
    """Series are registered in the Django admin."""
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/facilitation/series/").status_code == 200
    response = client.post(
        "/admin/facilitation/series/add/",
        {"name": "Round table", "slug": "round-table", "description": ""},
    )
    assert response.status_code == 302
    assert Series.objects.get(slug="round-table").name == "Round table"


@pytest.mark.parametrize("count", [2, 12])
def test_series_page_queries_are_flat(
    client, category, series, count, django_assert_num_queries
):
    """The series page's queries do not grow with its dialogues."""
    for n in range(count):
        topic = TopicFactory(category=category, series=series, title=f"Round {n}")
        facilitation.set_summary(topic=topic, editor=topic.author, summary=f"Sum {n}.")
    # The series, then its dialogues.
    with django_assert_num_queries(2):
        assert client.get(series.get_absolute_url()).status_code == 200
