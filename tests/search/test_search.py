"""Search: matching, ranking, filters, pages, snippets, limits and who sees what.

Everything here runs on SQLite and on PostgreSQL, except the tests that ask for
the postgres_only fixture (stemming, accents and web-search syntax)."""

import re
from dataclasses import dataclass

import pytest
from django.db import connection

from accounts.models import User
from forum import services
from forum.models import Category, Post, Topic
from moderation import services as moderation
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, count_queries, html

URL = "/search/"
HINT = "Type words to find in titles, subjects and posts."


def search(client, q: str, **params):
    response = client.get(URL, {"q": q, **params})
    assert response.status_code == 200
    return response


def result_ids(response) -> list[int]:
    """The ids of the posts a results page links to, in page order."""
    return [
        int(pk)
        for pk in re.findall(r'<a class="row-title" href="/p/(\d+)/"', html(response))
    ]


def result_count(response) -> int:
    """The count announced in the results heading."""
    match = re.search(r"<h2>(\d+) results? for", html(response))
    assert match, "no results heading"
    return int(match.group(1))


def snippets(response) -> list[str]:
    return re.findall(r'<p class="snippet"[^>]*>(.*?)</p>', html(response), re.S)


def found(client, q: str, **params) -> list[int]:
    return result_ids(search(client, q, **params))


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL full-text search only")


# Ranking and order


@pytest.fixture
def ranked(category, clock) -> tuple[Post, Post, Post]:
    """Three posts naming the harbour: a topic's title (oldest), a reply's
    subject, and only a reply's text, three times (newest)."""
    clock(1)
    titled = TopicFactory(
        category=category, title="Harbour opening hours", body="When may we visit?"
    )
    clock(2)
    other = TopicFactory(category=category, title="Town budget", body="Figures.")
    subject = ReplyFactory(topic=other, subject="Harbour fees", body="They rose.")
    clock(3)
    body = ReplyFactory(
        topic=other,
        body="The harbour is shut; harbour staff say the harbour opens on Monday.",
    )
    clock(None)
    return titled.first_post, subject, body


def test_new_topic_is_found_by_its_title(client, category):
    """A word only in a new topic's title finds its opening post."""
    topic = TopicFactory(category=category, title="Lighthouse rota", body="Who?")
    assert found(client, "lighthouse") == [topic.first_post_id]


def test_title_match_ranks_above_subject_and_body(client, ranked):
    """By relevance, a title match comes first, then a subject match, then a match
    in the text only, even when the text match is newer and repeats the word."""
    titled, subject, body = ranked
    assert found(client, "harbour") == [titled.pk, subject.pk, body.pk]
    assert found(client, "harbour", order="relevance") == [
        titled.pk,
        subject.pk,
        body.pk,
    ]


def test_date_order_lists_newest_first(client, category, clock):
    """order=date lists the newest post first, whatever the relevance."""
    topic = TopicFactory(category=category, title="Budget", body="Figures.")
    clock(1)
    oldest = ReplyFactory(topic=topic, subject="Harbour fees", body="Harbour dues.")
    clock(2)
    middle = ReplyFactory(topic=topic, body="The harbour wall.")
    clock(3)
    newest = ReplyFactory(topic=topic, body="A harbour boat.")
    clock(None)
    assert found(client, "harbour") == [oldest.pk, newest.pk, middle.pk]
    assert found(client, "harbour", order="date") == [newest.pk, middle.pk, oldest.pk]


# Filters


@dataclass
class Ferries:
    dialogues: Category
    garden: Category
    alice: User
    bob: User
    opening: Post  # Dialogues, by alice, 1 March
    reply: Post  # Dialogues, by bob, 10 March
    other_opening: Post  # Garden, by bob, 20 March


@pytest.fixture
def ferries(category, clock) -> Ferries:
    garden = CategoryFactory(name="Garden", slug="garden")
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    clock(1)
    topic = TopicFactory(
        category=category,
        author=alice,
        title="Ferry timetable",
        body="A ferry at noon.",
    )
    clock(10)
    reply = ReplyFactory(topic=topic, author=bob, body="The ferry was late again.")
    clock(20)
    other = TopicFactory(
        category=garden, author=bob, title="Compost", body="Ferry it to the plots."
    )
    clock(None)
    return Ferries(
        category, garden, alice, bob, topic.first_post, reply, other.first_post
    )


def test_search_without_filters_finds_every_match(client, ferries):
    """With no filter, every post saying the word is found."""
    assert sorted(found(client, "ferry")) == sorted(
        [ferries.opening.pk, ferries.reply.pk, ferries.other_opening.pk]
    )


def test_category_filter_keeps_that_category(client, ferries):
    """category=<id> keeps the posts of that category only."""
    assert sorted(found(client, "ferry", category=ferries.dialogues.pk)) == sorted(
        [ferries.opening.pk, ferries.reply.pk]
    )
    assert found(client, "ferry", category=ferries.garden.pk) == [
        ferries.other_opening.pk
    ]


def test_author_filter_keeps_that_author(client, ferries):
    """author=<username> keeps that user's posts only."""
    assert sorted(found(client, "ferry", author="bob")) == sorted(
        [ferries.reply.pk, ferries.other_opening.pk]
    )
    assert found(client, "ferry", author="alice") == [ferries.opening.pk]
    assert found(client, "ferry", author="nobody") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"date_from": "2024-03-05"}, ["reply", "other_opening"]),
        ({"date_to": "2024-03-15"}, ["opening", "reply"]),
        ({"date_from": "2024-03-05", "date_to": "2024-03-15"}, ["reply"]),
        ({"date_from": "2024-03-10", "date_to": "2024-03-10"}, ["reply"]),
        ({"date_from": "2024-03-21"}, []),
    ],
)
def test_date_range_filter_is_inclusive(client, ferries, params, expected):
    """date_from and date_to keep the posts written on those days and between."""
    wanted = sorted(getattr(ferries, name).pk for name in expected)
    assert sorted(found(client, "ferry", **params)) == wanted


def test_dates_in_the_wrong_order_are_a_form_error(client, ferries):
    """A from date after the to date is explained, and nothing is searched."""
    response = search(client, "ferry", date_from="2024-03-20", date_to="2024-03-01")
    assert "The “from” date is after the “to” date." in html(response)
    assert response.context["results"] is None
    assert result_ids(response) == []


def test_topics_only_keeps_opening_posts(client, ferries):
    """topics_only keeps the posts that open a topic, not the replies."""
    assert sorted(found(client, "ferry", topics_only="on")) == sorted(
        [ferries.opening.pk, ferries.other_opening.pk]
    )


# Pages


def test_results_come_in_pages_of_twenty(client, category):
    """25 matches make a full first page of 20 and a second page of 5, with links
    between them that keep the query; a page past the end is 404."""
    topic = TopicFactory(category=category, title="Harbour diary", body="Harbour 0.")
    replies = [
        ReplyFactory(topic=topic, body=f"Harbour note number {n}.") for n in range(24)
    ]
    every = {topic.first_post.pk, *(r.pk for r in replies)}
    first = search(client, "harbour")
    second = search(client, "harbour", page="2")
    assert result_count(first) == 25
    assert len(result_ids(first)) == 20
    assert len(result_ids(second)) == 5
    assert set(result_ids(first)) | set(result_ids(second)) == every
    assert "1 of 2" in html(first)
    assert 'href="?q=harbour&amp;page=2" rel="next"' in html(first)
    assert 'href="?q=harbour&amp;page=1" rel="prev"' in html(second)
    assert client.get(URL, {"q": "harbour", "page": "3"}).status_code == 404
    assert client.get(URL, {"q": "harbour", "page": "x"}).status_code == 404


# Results and snippets


def test_snippet_marks_matched_words(client, category):
    """The snippet shows the post's text with each matched word in <mark>,
    whatever its case."""
    TopicFactory(
        category=category,
        title="Meeting notes",
        body="The Harbour committee met by the harbour wall on Friday.",
    )
    (snippet,) = snippets(search(client, "harbour"))
    assert "<mark>Harbour</mark> committee" in snippet
    assert "the <mark>harbour</mark> wall" in snippet
    assert snippet.count("<mark>") == 2


def test_snippet_shows_markup_as_escaped_text(client, category):
    """A post quoting <script> shows it as text in the snippet: &lt;script&gt;."""
    TopicFactory(
        category=category,
        title="Web page",
        body="Beware <script>alert(1)</script> in the harbour page.",
    )
    (snippet,) = snippets(search(client, "harbour"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet


def test_snippet_never_carries_a_raw_tag(client, category):
    """Markup in a post's text never reaches the results page as a tag, neither in
    the snippet nor in a reply's title made of its first words."""
    topic = TopicFactory(category=category, title="Web page", body="Plain text.")
    ReplyFactory(
        topic=topic, body="<script>alert(1)</script> <b>bold</b> in the harbour."
    )
    response = search(client, "harbour")
    page = html(response)
    assert len(result_ids(response)) == 1
    assert "<script>alert" not in page
    assert "<b>bold" not in page
    (snippet,) = snippets(response)
    assert "&lt;script" in snippet
    assert "<mark>harbour</mark>" in snippet


def test_query_is_shown_escaped(client, topic):
    """The query shown back in the results heading is escaped."""
    page = html(search(client, "<script>alert(2)</script>"))
    assert "<script>alert(2)" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_results_link_to_the_exact_post(client, category):
    """Each result links to its post's permalink, which leads to the post on its
    page of the topic."""
    topic = TopicFactory(category=category, title="Budget", body="Opening words.")
    for n in range(3):
        ReplyFactory(topic=topic, body=f"Filler reply {n}.")
    reply = ReplyFactory(topic=topic, body="The lighthouse needs paint.")
    response = search(client, "lighthouse")
    assert result_ids(response) == [reply.pk]
    assert f'href="/p/{reply.pk}/"' in html(response)
    permalink = client.get(f"/p/{reply.pk}/")
    assert permalink.status_code == 302
    assert permalink["Location"].endswith(f"#p{reply.pk}")
    assert permalink["Location"].startswith(f"/t/{topic.pk}/")


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_empty_query_shows_the_hint_and_no_results(client, topic, params):
    """Without words to look for, the page explains the syntax and lists nothing."""
    response = client.get(URL, params)
    assert response.status_code == 200
    assert HINT in html(response)
    assert response.context["results"] is None
    assert not re.search(r"\d+ results? for", html(response))
    assert result_ids(response) == []


def test_nothing_found_says_so(client, topic):
    """A query without matches says nothing was found, with a count of 0."""
    response = search(client, "xylophone")
    assert result_count(response) == 0
    assert "Nothing found." in html(response)


QUAY = " ".join(["harbour"] * 62) + " quay"


def test_a_500_character_query_is_searched(client, category):
    """A query of exactly 500 characters is accepted and searched."""
    assert len(QUAY) == 500
    post = TopicFactory(
        category=category, title="Quay", body="The harbour quay is long."
    ).first_post
    response = search(client, QUAY)
    assert result_ids(response) == [post.pk]
    assert "at most 500" not in html(response)


def test_a_501_character_query_is_a_form_error(client, category):
    """A query of 501 characters is refused with a message saying why."""
    TopicFactory(category=category, title="Quay", body="The harbour quays are long.")
    response = search(client, QUAY + "s")
    assert "A search can be at most 500 characters (this one has 501)." in html(
        response
    )
    assert response.context["results"] is None
    assert result_ids(response) == []


HOSTILE = [
    '"unbalanced',
    "!!! & | ( ) :*",
    "'; DROP TABLE forum_post; --",
    "harbour -",
    "a <-> b & !c",
    "üñíçødé 東京 🚢 harbour",
    "\\ % _ \\%",
    "harbour:* | !harbour",
]

# Queries made only of operators: nothing to look for.
WORDLESS = ["-", "--", "or", '"', '"" -"" or or']


def hostile_search(client, category, q: str):
    TopicFactory(category=category, title="Harbour", body="The harbour 東京 quay.")
    response = client.get(URL, {"q": q})
    assert response.status_code == 200
    assert response.context["page"] is not None
    assert result_count(response) == len(result_ids(response))
    assert Post.objects.count() == 1


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_query_syntax_never_fails(client, category, q):
    """Stray quotes, operators, SQL and unicode are searched as words, never an
    error, and the forum's posts are all still there afterwards."""
    hostile_search(client, category, q)


@pytest.mark.parametrize("q", WORDLESS)
def test_query_of_operators_only_never_fails(client, category, q, request):
    """A query of operators alone ("-", "or", a lone quote) answers with no
    results, never an error."""
    hostile_search(client, category, q)
    assert result_ids(client.get(URL, {"q": q})) == []


# The anonymous rate limit


def test_anonymous_searches_are_limited_to_twenty_a_minute(
    client, topic, stopped_clock
):
    """A visitor's 21st search in a minute gets a 429 page saying how long to wait,
    in Retry-After too; another address is still served."""
    for n in range(20):
        assert client.get(URL, {"q": f"towns {n}"}).status_code == 200
    stopped_clock.advance(20)
    limited = client.get(URL, {"q": "towns"})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "40"
    assert "Too many requests" in html(limited)
    assert "You can search again in 40 seconds, or sign in." in html(limited)
    assert "trust" not in html(limited).lower()
    elsewhere = client.get(URL, {"q": "towns"}, REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 200
    stopped_clock.advance(40)
    assert client.get(URL, {"q": "towns"}).status_code == 200


def test_signed_in_users_are_not_limited(member_client, topic):
    """Signed-in users may search more than 20 times a minute."""
    for n in range(25):
        response = member_client.get(URL, {"q": f"think {n}"})
        assert response.status_code == 200
    assert result_ids(member_client.get(URL, {"q": "think"})) == [topic.first_post_id]


# Who sees what


@dataclass
class Guarded:
    visible: Post
    private: Post
    member: User


MARKERS = ("hiddenmarker", "pendingmarker", "privatemarker")


@pytest.fixture
def guarded(category) -> Guarded:
    """'lighthouse' in a public reply, a hidden reply, a reply awaiting approval,
    and a topic (title and text) of a members-only category."""
    admin = UserFactory(is_staff=True)
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, title="Town square", body="Welcome.")
    visible = ReplyFactory(topic=topic, body="The lighthouse is lit at dusk.")
    hidden = ReplyFactory(topic=topic, body="The lighthouse hiddenmarker insult.")
    moderation.hide_post(post=hidden, actor=facilitator, reason="Insult")
    configure(category, approval_threshold=3)
    pending = services.post_reply(
        topic=topic, author=UserFactory(), body="The lighthouse pendingmarker ad."
    )
    assert Post.objects.get(pk=pending.pk).status == Post.Status.PENDING
    inner = CategoryFactory(name="Inner circle", slug="inner-circle")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    member = UserFactory(username="member")
    moderation.add_member(user=member, category=inner, actor=admin)
    private = TopicFactory(
        category=inner,
        author=member,
        title="Lighthouse keepers",
        body="The lighthouse privatemarker roster.",
    )
    return Guarded(visible, private.first_post, member)


def sign_in(client, who: str, guarded: Guarded):
    if who == "outsider":
        client.force_login(UserFactory(username="outsider"))
    elif who == "member":
        client.force_login(guarded.member)
    return client


@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_unseen_posts_stay_out_of_results(client, guarded, who):
    """Hidden posts, posts awaiting approval and a members-only category's posts
    are not listed, not quoted in snippets and not counted."""
    response = search(sign_in(client, who, guarded), "lighthouse")
    page = html(response)
    assert result_ids(response) == [guarded.visible.pk]
    assert result_count(response) == 1
    assert response.context["page"].count == 1
    for marker in MARKERS:
        assert marker not in page
    assert "Lighthouse keepers" not in page
    assert "Inner circle" not in page


@pytest.mark.parametrize("who", ["visitor", "outsider", "member"])
@pytest.mark.parametrize("marker", MARKERS)
def test_unseen_posts_are_not_found_by_their_own_words(client, guarded, who, marker):
    """A word only an unseen post says finds nothing (members see their category's
    posts, never hidden ones or those awaiting approval)."""
    response = search(sign_in(client, who, guarded), marker)
    expected = (
        [guarded.private.pk] if (who, marker) == ("member", "privatemarker") else []
    )
    assert result_ids(response) == expected
    assert result_count(response) == len(expected)


def test_members_find_their_category_posts(client, guarded):
    """A member finds the members-only topic beside the public post, and still not
    the hidden post or the one awaiting approval."""
    response = search(sign_in(client, "member", guarded), "lighthouse")
    assert sorted(result_ids(response)) == sorted(
        [guarded.visible.pk, guarded.private.pk]
    )
    assert result_count(response) == 2
    page = html(response)
    assert "privatemarker" in page
    assert "hiddenmarker" not in page
    assert "pendingmarker" not in page


@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_filtering_on_a_members_only_category_finds_nothing(client, guarded, who):
    """Naming the members-only category in the filter is refused, not searched."""
    private_id = Topic.objects.get(pk=guarded.private.topic_id).category_id
    response = search(sign_in(client, who, guarded), "lighthouse", category=private_id)
    assert response.context["results"] is None
    assert "privatemarker" not in html(response)
    assert "Lighthouse keepers" not in html(response)


# Keeping the index current


def test_edited_post_is_found_by_its_new_words_only(client, topic, other_user):
    """After an edit, the new words find the post and the old ones do not."""
    reply = ReplyFactory(topic=topic, author=other_user, body="The old ferry pier.")
    assert found(client, "ferry") == [reply.pk]
    services.edit_post(post=reply, editor=other_user, body="The new tramway stop.")
    assert found(client, "tramway") == [reply.pk]
    assert found(client, "ferry") == []


def test_renamed_topic_is_found_by_its_new_title(client, category):
    """After each rename, the new title finds the topic and the old ones do not."""
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, title="Bridge repairs", body="Plans.")
    moderation.rename_topic(topic=topic, actor=facilitator, title="Causeway works")
    assert found(client, "causeway") == [topic.first_post_id]
    assert found(client, "bridge") == []
    moderation.rename_topic(topic=topic, actor=facilitator, title="Viaduct plans")
    assert found(client, "viaduct") == [topic.first_post_id]
    assert found(client, "causeway") == []


def test_title_changed_in_an_edit_is_searchable(client, category, user):
    """Editing an opening post with a new title makes the new title searchable."""
    topic = TopicFactory(category=category, author=user, title="Bridge", body="Hm.")
    services.edit_post(post=topic.first_post, editor=user, body="Hm.", title="Causeway")
    assert found(client, "causeway") == [topic.first_post_id]
    assert found(client, "bridge") == []


def test_moved_topic_is_still_found(client, category):
    """A topic moved to a French category is found as before, in that category."""
    admin = UserFactory(is_staff=True)
    french = CategoryFactory(name="Français", slug="francais")
    configure(french, language="fr")
    topic = TopicFactory(
        category=category, title="Weekly meetings", body="Our meetings run late."
    )
    reply = ReplyFactory(topic=topic, body="The meetings need an agenda.")
    expected = sorted([topic.first_post_id, reply.pk])
    assert sorted(found(client, "meetings")) == expected
    moderation.move_topic(topic=topic, actor=admin, category=french)
    assert sorted(found(client, "meetings")) == expected
    assert sorted(found(client, "meetings", category=french.pk)) == expected
    assert found(client, "meetings", category=category.pk) == []


def test_topic_moved_to_a_members_only_category_leaves_public_results(client, category):
    """Once moved into a members-only category, a topic is no longer found by
    visitors."""
    admin = UserFactory(is_staff=True)
    inner = CategoryFactory(name="Inner circle", slug="inner-circle")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    topic = TopicFactory(category=category, title="Keepers", body="Lighthouse rota.")
    assert found(client, "lighthouse") == [topic.first_post_id]
    moderation.move_topic(topic=topic, actor=admin, category=inner)
    assert found(client, "lighthouse") == []


# Queries


def build_matches(word: str, count: int) -> None:
    """`count` posts saying `word`, spread over topics of three categories with
    different authors; a third of them open their topic."""
    categories = [CategoryFactory() for _ in range(3)]
    for n in range(count // 3):
        topic = TopicFactory(
            category=categories[n % 3], title=f"{word} topic {n}", body=f"{word} {n}."
        )
        for m in range(2):
            ReplyFactory(topic=topic, subject=f"On {n}.{m}", body=f"A {word} {n}.{m}")


@pytest.mark.parametrize("signed_in", [False, True])
def test_search_page_queries_are_flat(client, signed_in):
    """The results page runs the same queries for 3 and for 30 matching posts."""
    if signed_in:
        client.force_login(UserFactory())
    # The first search also makes the session's (or the address's limit's) row.
    count_queries(client, URL + "?q=warmup")
    build_matches("kestrel", 3)
    build_matches("osprey", 30)
    few = count_queries(client, URL + "?q=kestrel")
    many = count_queries(client, URL + "?q=osprey")
    assert result_ids(client.get(URL + "?q=osprey")) != []
    assert few == many
    # The category list, and the count with the page; signed in, the user too.
    # Signed out, one is the address's limit counting the search.
    assert many == 3


# Accents and case, on every database


@pytest.fixture
def accented(category) -> tuple[Post, Post, Post]:
    """A title, a subject and a text with accented words."""
    titled = TopicFactory(category=category, title="Trip to Medellín", body="Soon.")
    subject = ReplyFactory(topic=titled, subject="Une société", body="Plus tard.")
    body = ReplyFactory(topic=titled, body="A NAÏVE question, perhaps.")
    return titled.first_post, subject, body


@pytest.mark.parametrize(
    ("q", "which"),
    [
        ("Medellin", 0),
        ("medellín", 0),
        ("MEDELLÍN", 0),
        ("societe", 1),
        ("SOCIÉTÉ", 1),
        ("naive", 2),
        ("naïve", 2),
        ('"naive question"', 2),
    ],
)
def test_words_are_found_with_or_without_accents(client, accented, q, which):
    """Accents and case are ignored on both sides: the words typed without them
    find the posts that have them, and the other way round."""
    assert found(client, q) == [accented[which].pk]


def test_an_excluded_word_is_excluded_without_its_accents(client, accented):
    assert found(client, "question -naive") == []
    assert found(client, "question -societe") == [accented[2].pk]


# PostgreSQL: stemming, accents and web-search syntax


@pytest.fixture
def mediation(category) -> Post:
    """A post in a French category: "Les médiatrices écoutent les habitants"."""
    configure(category, language="fr")
    return TopicFactory(
        category=category,
        title="Quartier",
        body="Les médiatrices écoutent les habitants.",
    ).first_post


@pytest.mark.parametrize(
    "q", ["mediatrice", "médiatrice", "MEDIATRICES", "habitant", "Habitants"]
)
def test_french_words_are_found_by_stem_without_accents(
    client, mediation, postgres_only, q
):
    """In a French category, the singular and other cases of a word, with or
    without accents, find the post."""
    assert found(client, q) == [mediation.pk]


@pytest.mark.parametrize("q", ["écoutent", "ecoutent", "ÉCOUTENT"])
def test_french_verb_is_found_without_accents(client, mediation, postgres_only, q):
    """In a French category, a verb is found with or without its accents. (The
    stock French stemmer keeps "-ent": "écouter" does not find "écoutent".)"""
    assert found(client, q) == [mediation.pk]


def test_unrelated_french_word_finds_nothing(client, mediation, postgres_only):
    """A word the post does not say finds nothing in the French category."""
    assert found(client, "cuisiner") == []
    assert found(client, "médiateurs habitants cuisinent") == []


def test_english_words_are_found_by_stem(client, category, postgres_only):
    """In an English category, other forms of a word find the post."""
    post = TopicFactory(
        category=category, title="Session", body="The mediators were listening."
    ).first_post
    for q in ("listen", "listens", "mediator", "Mediators"):
        assert found(client, q) == [post.pk], q
    assert found(client, "speaking") == []


@pytest.fixture
def harbours(category) -> dict[str, Post]:
    topic = TopicFactory(category=category, title="Views", body="Share yours.")
    return {
        "phrase": ReplyFactory(topic=topic, body="The quiet harbour at dawn."),
        "apart": ReplyFactory(topic=topic, body="The harbour was never quiet."),
        "storm": ReplyFactory(topic=topic, body="A storm hit the harbour."),
        "windmill": ReplyFactory(topic=topic, body="The windmill turns."),
    }


def test_quoted_phrase_matches_only_the_phrase(client, harbours):
    """ "quiet harbour" in quotes finds the words together, in that order."""
    assert found(client, '"quiet harbour"') == [harbours["phrase"].pk]
    assert sorted(found(client, "quiet harbour")) == sorted(
        [harbours["phrase"].pk, harbours["apart"].pk]
    )


def test_minus_excludes_a_word(client, harbours):
    """-storm leaves out the posts saying storm."""
    assert sorted(found(client, "harbour -storm")) == sorted(
        [harbours["phrase"].pk, harbours["apart"].pk]
    )


def test_or_finds_either_word(client, harbours, postgres_only):
    """`storm or windmill` finds posts saying either."""
    assert sorted(found(client, "storm or windmill")) == sorted(
        [harbours["storm"].pk, harbours["windmill"].pk]
    )


def test_title_weight_outranks_repeated_text(client, category, postgres_only):
    """A word once in a title (weight A) outranks it many times in a newer post's
    text (weight C)."""
    titled = TopicFactory(category=category, title="Lighthouse", body="Hello.")
    other = TopicFactory(category=category, title="Coast", body="Hello again.")
    body = ReplyFactory(
        topic=other, body="Lighthouse, lighthouse, lighthouse: the lighthouse."
    )
    assert found(client, "lighthouse") == [titled.first_post_id, body.pk]
