"""Signed-out pages carry an ETag made of the versions of what they show, answer
a repeat visit with 304, and are kept by that ETag; signed-in pages are private."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from forum import services
from moderation import services as moderation_services
from moderation.services import appoint_facilitator
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import signed_in


@pytest.fixture
def forum():
    """Two public categories, each with a topic that has a reply."""
    here = CategoryFactory(name="Here", slug="here")
    there = CategoryFactory(name="There", slug="there")
    topic = TopicFactory(category=here, title="Local matters")
    other = TopicFactory(category=there, title="Far away")
    ReplyFactory(topic=topic, body="A first reply.")
    ReplyFactory(topic=other, body="Another reply.")
    return topic, other


def etag(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def pages(topic) -> list[str]:
    return ["/", topic.category.get_absolute_url(), topic.get_absolute_url()]


def test_a_repeat_visit_with_the_etag_gets_304(client, forum):
    """A browser revalidating an unchanged page is told 304, with no body."""
    for url in pages(forum[0]):
        tag = etag(client, url)
        again = client.get(url, HTTP_IF_NONE_MATCH=tag)
        assert again.status_code == 304, url
        assert again.content == b""
        assert again["ETag"] == tag


def test_signed_out_pages_are_public_and_revalidated(client, forum):
    """Browsers revalidate every time; a shared cache may keep a page a second;
    the page differs by cookie and language."""
    for url in pages(forum[0]):
        response = client.get(url)
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert control == {"public", "max-age=0", "s-maxage=1"}, url
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Language"} <= vary, url


def test_signed_out_pages_set_no_cookie_and_hold_no_csrf_token(client, forum):
    """Nothing on a signed-out page is per reader: no cookie, no CSRF token."""
    for url in pages(forum[0]):
        response = client.get(url)
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_signed_in_pages_are_private_and_have_no_etag(forum):
    """A signed-in reader's page is theirs alone and never answered by ETag."""
    client = signed_in(UserFactory())
    for url in pages(forum[0]):
        response = client.get(url)
        control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert control == {"private", "no-cache"}, url
        assert not response.has_header("ETag"), url
        assert "X-Page-Cache" not in response


def test_a_reply_changes_its_topic_category_and_the_index(client, forum):
    """A reply outdates the pages that show it: its topic's, its category's and
    the index."""
    topic, _ = forum
    before = {url: etag(client, url) for url in pages(topic)}
    services.post_reply(topic=topic, author=UserFactory(), body="Something new.")
    for url in pages(topic):
        response = client.get(url, HTTP_IF_NONE_MATCH=before[url])
        assert response.status_code == 200, url
        assert response["ETag"] != before[url], url
    assert "Something new." in client.get(topic.get_absolute_url()).content.decode()


def test_a_reply_elsewhere_leaves_this_topic_and_category_unchanged(client, forum):
    """A reply in another category's topic does not outdate this topic's page or
    this category's page (only the index, which lists both)."""
    topic, other = forum
    urls = [topic.get_absolute_url(), topic.category.get_absolute_url()]
    before = {url: etag(client, url) for url in urls}
    services.post_reply(topic=other, author=UserFactory(), body="Over there.")
    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=before[url])
        assert response.status_code == 304, url


def test_the_etag_depends_on_language_and_view(client, forum):
    """The same page in another language or thread view has another ETag."""
    url = forum[0].get_absolute_url()
    english = etag(client, url)
    assert etag(Client(HTTP_ACCEPT_LANGUAGE="fr"), url) != english
    flat = Client()
    flat.cookies["thread_view"] = "flat"
    assert etag(flat, url) != english
    assert etag(Client(), f"{url}?page=1") != english


def test_a_kept_page_is_served_with_only_the_version_query(
    client, forum, django_assert_num_queries
):
    """A page kept by its ETag costs one query: the versions of what it shows."""
    url = forum[0].get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):
        response = Client().get(url)
    assert response["X-Page-Cache"] == "hit"


def test_a_renamed_author_shows_on_a_kept_page(
    client, forum, django_capture_on_commit_callbacks
):
    """A display name change shows at once on pages kept before it."""
    topic, _ = forum
    author = UserFactory(display_name="Old Name")
    ReplyFactory(topic=topic, author=author, body="Signed reply.")
    url = topic.get_absolute_url()
    assert "Old Name" in client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        account_services.update_profile(
            user=author, display_name="New Name", signature=""
        )
    page = client.get(url).content.decode()
    assert "New Name" in page
    assert "Old Name" not in page


def test_a_hidden_post_leaves_the_kept_signed_out_page(client, forum):
    """Hiding a post outdates its topic's kept page: signed-out readers see the
    placeholder, not the text."""
    topic, _ = forum
    facilitator = make_facilitator(topic.category)
    reply = ReplyFactory(topic=topic, body="Words to be hidden.")
    url = topic.get_absolute_url()
    assert "Words to be hidden." in client.get(url).content.decode()
    moderation_services.hide_post(post=reply, actor=facilitator, reason="Off topic")
    page = client.get(url).content.decode()
    assert "Words to be hidden." not in page
    assert "This post was hidden by a facilitator." in page


def test_an_edit_shows_to_signed_in_readers_through_the_fragment_cache(forum):
    """A post's cached fragment is keyed by its version: an edit shows at once."""
    topic, _ = forum
    author = UserFactory()
    reply = ReplyFactory(topic=topic, author=author, body="First wording.")
    reader = signed_in(UserFactory())
    url = topic.get_absolute_url()
    assert "First wording." in reader.get(url).content.decode()
    services.edit_post(post=reply, editor=author, body="Second wording.")
    page = reader.get(url).content.decode()
    assert "Second wording." in page
    assert "First wording." not in page


def test_a_dialogue_opening_by_time_changes_its_category_page(client, monkeypatch):
    """A scheduled dialogue opens with no write: its category's ETag changes when
    its phase does."""
    category = CategoryFactory()
    facilitator = make_facilitator(category)
    now = timezone.now()
    services.create_topic(
        category=category,
        author=facilitator,
        title="Opens later",
        body="Soon.",
        opens_at=now + timedelta(hours=1),
    )
    url = category.get_absolute_url()
    before = etag(client, url)
    later = now + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url, HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before


def test_a_reader_with_messages_gets_a_private_page(forum):
    """A signed-out reader with a message waiting sees a page of their own."""
    client = Client()
    client.cookies["messages"] = "anything"
    response = client.get(forum[0].get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert not response.has_header("ETag")


class NewQueryString:
    """Requests the topic's first page under a query string never used before,
    so the kept page cannot answer and only the post list's block can."""

    def __init__(self, topic):
        self.url = topic.get_absolute_url()
        self.count = 0

    def get(self) -> str:
        self.count += 1
        response = Client().get(self.url, {"seen": self.count})
        assert response["X-Page-Cache"] == "miss"
        return response.content.decode()


def test_a_signed_out_post_list_is_read_once_for_any_query_string(forum):
    """The signed-out post list of a page is kept whole: a URL never served
    before renders it from the cache, reading no posts."""
    topic, _ = forum
    page = NewQueryString(topic)
    first = page.get()
    with CaptureQueriesContext(connection) as captured:
        again = page.get()
    assert "A first reply." in first
    assert "A first reply." in again
    assert not [q for q in captured if 'FROM "forum_post"' in q["sql"]]


def test_a_new_reply_shows_in_the_kept_post_list(forum):
    """A reply changes its topic's version and so the kept post list."""
    topic, _ = forum
    page = NewQueryString(topic)
    assert "A reply just posted." not in page.get()
    services.post_reply(topic=topic, author=UserFactory(), body="A reply just posted.")
    assert "A reply just posted." in page.get()


def test_a_hidden_post_leaves_the_kept_post_list(forum):
    """Hiding a post replaces its text with the placeholder in the kept list."""
    topic, _ = forum
    facilitator = make_facilitator(topic.category)
    reply = ReplyFactory(topic=topic, body="Words to be hidden.")
    page = NewQueryString(topic)
    assert "Words to be hidden." in page.get()
    moderation_services.hide_post(post=reply, actor=facilitator, reason="Off topic")
    shown = page.get()
    assert "Words to be hidden." not in shown
    assert "This post was hidden by a facilitator." in shown


def rename(author, topic) -> None:
    account_services.update_profile(user=author, display_name="New Name", signature="")


def appoint(author, topic) -> None:
    appoint_facilitator(user=author, category=topic.category)


@pytest.mark.parametrize(
    ("change", "shown_after"), [(rename, "New Name"), (appoint, "badge-facilitator")]
)
def test_a_change_to_the_author_shows_in_the_kept_post_list(
    forum, django_capture_on_commit_callbacks, change, shown_after
):
    """A display name or a role given after the list was kept shows at once on
    the author's posts."""
    topic, _ = forum
    author = UserFactory(display_name="Old Name")
    ReplyFactory(topic=topic, author=author, body="Signed reply.")
    page = NewQueryString(topic)
    assert shown_after not in page.get()
    with django_capture_on_commit_callbacks(execute=True):
        change(author, topic)
    assert shown_after in page.get()


def test_the_kept_post_list_differs_by_page_and_view(forum, settings):
    """Each page and each thread view has its own kept list."""
    settings.FORUM_POSTS_PER_PAGE = 2
    topic, _ = forum
    ReplyFactory(topic=topic, body="On the second page.")
    url = topic.get_absolute_url()
    assert "On the second page." not in Client().get(url).content.decode()
    assert "On the second page." in Client().get(url, {"page": 2}).content.decode()
    flat = Client()
    flat.cookies["thread_view"] = "flat"
    assert "thread-flat" in flat.get(url, {"seen": 1}).content.decode()
    assert "On the second page." not in flat.get(url, {"seen": 2}).content.decode()


def test_signed_in_readers_share_the_post_list_only_in_the_same_relation(forum):
    """The kept list of a signed-in page is shared by readers who stand alike to
    its posts: the author alone sees the edit link of their post, a reader who
    has not read it sees it marked new, and a facilitator their tools."""
    topic, _ = forum
    author = UserFactory()
    reply = services.post_reply(topic=topic, author=author, body="Mine to edit.")
    url = topic.get_absolute_url()
    edit = reverse("forum:edit_post", args=[reply.pk])
    hide = reverse("moderation:hide", args=[reply.pk])
    first, second = signed_in(UserFactory()), signed_in(UserFactory())
    assert 'class="post is-new' in html_of(first, url)
    assert 'class="post is-new' not in html_of(first, url)
    assert 'class="post is-new' in html_of(second, url)
    assert edit not in html_of(second, url)
    assert edit in html_of(signed_in(author), url)
    assert edit not in html_of(first, url, seen=1)
    facilitator = signed_in(make_facilitator(topic.category))
    assert hide in html_of(facilitator, url)
    assert hide not in html_of(first, url)


def html_of(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()
