"""Atom and RSS feeds, the sitemap and robots.txt: well-formed, pointing at the
right pages, and carrying only what a visitor may see."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from accounts.models import User
from forum import services
from forum.models import Category, Post, Topic
from forum.sitemaps import TopicSitemap
from moderation import services as moderation
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory
from tests.helpers import configure

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
MARKERS = ("hiddenmarker", "pendingmarker", "privatemarker", "Secret plans")


@dataclass
class Forum:
    square: Category
    topic: Topic
    other_topic: Topic
    reply: Post
    hidden: Post
    inner: Category
    secret: Topic
    member: User


@pytest.fixture
def forum() -> Forum:
    """A public category with two topics, a reply, a hidden reply and a reply
    awaiting approval; and a members-only category with a topic."""
    admin = UserFactory(is_staff=True)
    square = CategoryFactory(name="Town square", slug="town-square")
    topic = TopicFactory(
        category=square, title="Mooring fees", body="Should they rise?"
    )
    other_topic = TopicFactory(
        category=square, title="Ferry timetable", body="Earlier boats, please."
    )
    reply = ReplyFactory(topic=topic, subject="A fair price", body="Keep them.")
    hidden = ReplyFactory(topic=topic, subject="Rude remark", body="A hiddenmarker.")
    moderation.hide_post(post=hidden, actor=admin, reason="Rude")
    configure(square, approval_threshold=3)
    pending = services.post_reply(
        topic=topic, author=UserFactory(), body="Buy pendingmarker pills."
    )
    assert Post.objects.get(pk=pending.pk).status == Post.Status.PENDING
    inner = CategoryFactory(name="Inner circle", slug="inner-circle")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    member = UserFactory(username="member")
    moderation.add_member(user=member, category=inner, actor=admin)
    secret = TopicFactory(
        category=inner, author=member, title="Secret plans", body="A privatemarker."
    )
    return Forum(square, topic, other_topic, reply, hidden, inner, secret, member)


def fetch(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def atom_entries(response) -> dict[str, ET.Element]:
    """The entries of an Atom feed by title, each checked to have a title, a link,
    an id and an updated date."""
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title")
    entries = {}
    for entry in root.findall(f"{ATOM}entry"):
        title = entry.findtext(f"{ATOM}title")
        link = entry.find(f"{ATOM}link")
        assert title
        assert link is not None
        assert link.get("href", "").startswith("http://testserver/")
        assert entry.findtext(f"{ATOM}id")
        assert entry.findtext(f"{ATOM}updated")
        entries[title] = entry
    return entries


def rss_items(response) -> dict[str, ET.Element]:
    """The items of an RSS feed by title, each checked to have a title, a link and
    a description."""
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss"
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("title")
    items = {}
    for item in channel.findall("item"):
        title = item.findtext("title")
        assert title
        assert item.findtext("link", "").startswith("http://testserver/")
        assert item.find("description") is not None
        items[title] = item
    return items


def links(entries: dict[str, ET.Element]) -> dict[str, str]:
    """Title -> link, Atom or RSS."""
    out = {}
    for title, entry in entries.items():
        atom_link = entry.find(f"{ATOM}link")
        out[title] = (
            atom_link.get("href") if atom_link is not None else entry.findtext("link")
        )
    return out


def topic_feed_urls(forum: Forum) -> list[str]:
    return ["/feeds/topics.atom", "/feeds/topics.rss"] + [
        f"/c/{forum.square.slug}/topics.{kind}" for kind in ("atom", "rss")
    ]


def parse(response) -> dict[str, ET.Element]:
    if response["Content-Type"].startswith("application/atom+xml"):
        return atom_entries(response)
    return rss_items(response)


@pytest.mark.parametrize("kind", ["atom", "rss"])
@pytest.mark.parametrize("scope", ["forum", "category"])
def test_topic_feeds_list_the_public_topics(client, forum, scope, kind):
    """The forum's and a category's feeds list its topics, linking to them, and
    nothing of a members-only category or of hidden or waiting posts."""
    url = (
        f"/feeds/topics.{kind}"
        if scope == "forum"
        else f"/c/{forum.square.slug}/topics.{kind}"
    )
    response = fetch(client, url)
    entries = parse(response)
    assert set(entries) == {"Mooring fees", "Ferry timetable"}
    assert links(entries)["Mooring fees"] == f"http://testserver/t/{forum.topic.pk}/"
    text = response.content.decode()
    for marker in MARKERS:
        assert marker not in text
    assert "Inner circle" not in text


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_topic_post_feed_lists_the_visible_posts(client, forum, kind):
    """A topic's feed lists its published, visible posts, linking to each, and
    neither the hidden post nor the one awaiting approval."""
    response = fetch(client, f"/t/{forum.topic.pk}/posts.{kind}")
    entries = parse(response)
    opening = forum.topic.first_post.display_subject
    assert set(entries) == {opening, "A fair price"}
    assert links(entries)["A fair price"] == f"http://testserver/p/{forum.reply.pk}/"
    text = response.content.decode()
    assert "Rude remark" not in text
    for marker in MARKERS:
        assert marker not in text


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feed_entries_carry_the_post_text(client, forum, kind):
    """Entries carry the rendered text of the post (a topic: its opening post)."""
    response = fetch(client, f"/feeds/topics.{kind}")
    assert "Should they rise?" in response.content.decode()
    response = fetch(client, f"/t/{forum.topic.pk}/posts.{kind}")
    assert "Keep them." in response.content.decode()


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_hidden_opening_post_text_stays_out_of_topic_feeds(client, forum, kind):
    """When a topic's opening post is hidden, its text is not in the topic feeds."""
    admin = UserFactory(is_staff=True)
    topic = TopicFactory(
        category=forum.square, title="Withdrawn", body="An openingmarker slur."
    )
    moderation.hide_post(post=topic.first_post, actor=admin, reason="Slur")
    for url in ("/feeds/topics.", f"/c/{forum.square.slug}/topics."):
        assert "openingmarker" not in fetch(client, url + kind).content.decode()


@pytest.mark.parametrize(
    "visibility", [Category.Visibility.PRIVATE, Category.Visibility.SIGNED_IN]
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_feeds_of_a_closed_category_are_not_found(client, forum, visibility, signed_in):
    """A category visitors may not see has no feeds, nor have its topics, even when
    asked by a member: feed readers are not signed in."""
    configure(forum.inner, visibility=visibility)
    if signed_in:
        client.force_login(forum.member)
    for kind in ("atom", "rss"):
        assert client.get(f"/c/{forum.inner.slug}/topics.{kind}").status_code == 404
        assert client.get(f"/t/{forum.secret.pk}/posts.{kind}").status_code == 404
        text = fetch(client, f"/feeds/topics.{kind}").content.decode()
        assert "Secret plans" not in text
        assert "privatemarker" not in text


def test_missing_feeds_are_not_found(client, forum):
    """Feeds of a category or topic that does not exist answer 404."""
    assert client.get("/c/no-such-place/topics.atom").status_code == 404
    assert client.get("/t/999999/posts.rss").status_code == 404


def test_feed_lists_latest_activity_first(client, forum):
    """The forum feed lists the topics with the latest activity first."""
    admin = UserFactory(is_staff=True)  # not held for approval
    ReplyFactory(topic=forum.other_topic, author=admin, body="A fresh reply.")
    root = ET.fromstring(fetch(client, "/feeds/topics.atom").content)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Ferry timetable", "Mooring fees"]


# Announcing the feeds


def alternates(page: str) -> list[tuple[str, str]]:
    """(type, href) of each <link rel="alternate"> of a page."""
    return re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"', page)


def test_index_announces_the_forum_feeds(client, forum):
    """The index page links its Atom and RSS feeds in its head."""
    found = alternates(fetch(client, "/").content.decode())
    assert ("application/atom+xml", "/feeds/topics.atom") in found
    assert ("application/rss+xml", "/feeds/topics.rss") in found


def test_category_page_announces_its_feeds(client, forum):
    """A category page links the category's Atom and RSS feeds."""
    found = alternates(fetch(client, f"/c/{forum.square.slug}/").content.decode())
    assert ("application/atom+xml", "/c/town-square/topics.atom") in found
    assert ("application/rss+xml", "/c/town-square/topics.rss") in found


def test_topic_page_announces_its_feeds(client, forum):
    """A topic page links the topic's Atom and RSS feeds."""
    found = alternates(fetch(client, f"/t/{forum.topic.pk}/").content.decode())
    assert ("application/atom+xml", f"/t/{forum.topic.pk}/posts.atom") in found
    assert ("application/rss+xml", f"/t/{forum.topic.pk}/posts.rss") in found


@pytest.mark.parametrize(
    "url", ["/feeds/topics.atom", "/c/town-square/topics.atom", "/t/{pk}/posts.atom"]
)
def test_announced_feeds_answer(client, forum, url):
    """Each announced Atom feed answers with a feed."""
    response = fetch(client, url.format(pk=forum.topic.pk))
    assert ET.fromstring(response.content).tag == f"{ATOM}feed"


# Sitemap and robots.txt


def sitemap_locations(client) -> set[str]:
    """Every page location of the sitemaps the index at /sitemap.xml lists."""
    index = ET.fromstring(fetch(client, "/sitemap.xml").content)
    assert index.tag == f"{SITEMAP}sitemapindex"
    locations = set()
    for sitemap in index.iter(f"{SITEMAP}loc"):
        root = ET.fromstring(fetch(client, sitemap.text).content)
        assert root.tag == f"{SITEMAP}urlset"
        locations |= {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    return locations


def test_sitemap_lists_public_topics_and_categories(client, forum):
    """The sitemap lists the public categories and topics."""
    locations = sitemap_locations(client)
    assert f"http://testserver/t/{forum.topic.pk}/" in locations
    assert f"http://testserver/t/{forum.other_topic.pk}/" in locations
    assert "http://testserver/c/town-square/" in locations


def test_sitemap_index_reaches_every_topic_past_one_page(client, forum, monkeypatch):
    """With more topics than one sitemap holds, the index lists further pages
    and every public topic is on one of them."""
    monkeypatch.setattr(TopicSitemap, "limit", 1)
    topics = [forum.topic, forum.other_topic, TopicFactory(category=forum.square)]
    index = ET.fromstring(fetch(client, "/sitemap.xml").content)
    pages = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert "http://testserver/sitemap-topics.xml?p=3" in pages
    locations = sitemap_locations(client)
    for topic in topics:
        assert f"http://testserver/t/{topic.pk}/" in locations


@pytest.mark.parametrize(
    "visibility", [Category.Visibility.PRIVATE, Category.Visibility.SIGNED_IN]
)
def test_sitemap_leaves_out_closed_categories(client, forum, visibility):
    """Topics and categories visitors may not see are not in the sitemap, even
    when a member asks for it."""
    configure(forum.inner, visibility=visibility)
    client.force_login(forum.member)
    locations = sitemap_locations(client)
    assert f"http://testserver/t/{forum.secret.pk}/" not in locations
    assert "http://testserver/c/inner-circle/" not in locations
    assert f"http://testserver/t/{forum.topic.pk}/" in locations


def test_robots_txt_names_the_sitemap(client):
    """robots.txt is plain text, names the sitemap and keeps crawlers off search."""
    response = fetch(client, "/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /search/" in lines
