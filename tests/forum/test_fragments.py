"""Signed-in pages reuse rendered posts and topic rows, and still show every change
at once, with each reader's own parts (new marks, edit and report links, their
posts awaiting approval, a facilitator's forms with a working CSRF token).

These tests commit for real (transaction=True): shared reads and the page cache
are bypassed inside an open transaction.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facilitation import services as facilitation
from forum import fragments, services
from moderation import services as moderation
from tests.factories import (
    CategoryFactory,
    TopicFactory,
    UserFactory,
)
from tests.forum.conftest import signed_in
from tests.forum.test_pagecache import CHANGES, SHOWN_ON

pytestmark = pytest.mark.django_db(transaction=True)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.get("X-Page-Cache") is None
    return response.content.decode()


class Renders:
    """The fragments written (by their renderers) while active, by template."""

    def __init__(self):
        self.names = []

    def count(self, name: str) -> int:
        return self.names.count(name)


@pytest.fixture
def renders(monkeypatch):
    spy = Renders()
    for name, render in list(fragments.RENDERERS.items()):

        def counted(context, name=name, render=render):
            spy.names.append(name)
            return render(context)

        monkeypatch.setitem(fragments.RENDERERS, name, counted)
    return spy


def test_a_second_reader_gets_the_posts_from_the_cache(dialogue, renders):
    """The first reader renders each post; a reader in the same relation to the
    posts renders none, and sees the same posts."""
    topic, reply, _ = dialogue
    url = topic.get_absolute_url()
    first = page(signed_in(UserFactory()), url)
    assert renders.count("forum/_post.html") == 2
    renders.names.clear()
    second = page(signed_in(UserFactory()), url)
    assert renders.count("forum/_post.html") == 0
    assert f'id="p{reply.pk}"' in second
    assert re.findall(r"<article.*?</article>", first, re.S) == re.findall(
        r"<article.*?</article>", second, re.S
    )


def test_category_rows_come_from_the_cache(dialogue, renders):
    topic, _, _ = dialogue
    url = topic.category.get_absolute_url()
    page(signed_in(UserFactory()), url)
    assert renders.count("forum/_topic_row.html") == 1
    renders.names.clear()
    assert "First words" in page(signed_in(UserFactory()), url)
    assert renders.count("forum/_topic_row.html") == 0


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_shows_at_once_to_signed_in_readers(dialogue, kind):
    topic, reply, facilitator = dialogue
    reader = signed_in(UserFactory())
    urls = SHOWN_ON.get(kind, lambda t: [t.get_absolute_url()])(topic)
    for url in urls:
        page(reader, url)
        page(reader, url)
    _, expected = CHANGES[kind](topic, reply, facilitator)
    for url in urls:
        assert expected in page(reader, url), url


def test_new_badge_shows_at_once_to_signed_in_readers(dialogue):
    topic, reply, _ = dialogue
    reader = signed_in(UserFactory())
    url = topic.get_absolute_url()
    before = page(reader, url)
    moderation.appoint_facilitator(
        user=reply.author, category=topic.category, actor=UserFactory(is_staff=True)
    )
    assert page(reader, url).count("Facilitator") > before.count("Facilitator")


def test_new_marks_are_each_readers_own(dialogue):
    """A reader who has read the topic sees no new marks; one who has not sees
    them; the counts on the category page differ likewise."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    veteran = signed_in(UserFactory())
    assert "is-new" in page(veteran, url)
    assert "is-new" not in page(veteran, url)
    newcomer = signed_in(UserFactory())
    assert "is-new" in page(newcomer, url)
    listing = topic.category.get_absolute_url()
    assert "2 new" in page(signed_in(UserFactory()), listing)
    assert "0 new" in page(veteran, listing)


def test_own_posts_get_edit_others_get_report(dialogue):
    topic, reply, _ = dialogue
    url = topic.get_absolute_url()
    edit = f'href="{reverse("forum:edit_post", args=[reply.pk])}"'
    report = f'href="{reverse("moderation:report", args=[reply.pk])}"'
    other = page(signed_in(UserFactory()), url)
    assert edit not in other and report in other
    own = page(signed_in(reply.author), url)
    assert edit in own and report not in own
    assert edit not in page(signed_in(UserFactory()), url)


def test_own_posts_past_the_edit_window_get_no_report_link(dialogue, settings):
    """Past the edit window an author's post has no Edit link, as for everyone
    else, and still no Report link for its author."""
    settings.FORUM_EDIT_WINDOW_HOURS = 0
    topic, reply, _ = dialogue
    url = topic.get_absolute_url()
    report = f'href="{reverse("moderation:report", args=[reply.pk])}"'
    reader = signed_in(UserFactory())
    page(reader, url)
    assert report in page(reader, url)  # read: no new marks, as for the author
    assert report not in page(signed_in(reply.author), url)


def test_a_hidden_post_shows_its_text_to_its_author_only(dialogue):
    topic, reply, facilitator = dialogue
    url = topic.get_absolute_url()
    page(signed_in(UserFactory()), url)
    moderation.hide_post(post=reply, actor=facilitator, reason="Off topic")
    assert "An early thought." not in page(signed_in(UserFactory()), url)
    assert "An early thought." in page(signed_in(reply.author), url)
    assert "An early thought." not in page(signed_in(UserFactory()), url)


def test_a_post_awaiting_approval_shows_to_its_author_at_once(dialogue):
    topic, _, facilitator = dialogue
    category = topic.category
    category.approval_threshold = 1
    category.save()
    newcomer = UserFactory()
    client = signed_in(newcomer)
    url = topic.get_absolute_url()
    assert "Awaiting approval" not in page(client, url)
    post = services.post_reply(topic=topic, author=newcomer, body="My first words.")
    assert post.status == "pending"
    assert "My first words." in page(client, url)
    assert "My first words." not in page(signed_in(UserFactory()), url)
    # The facilitator sees it with an approval form carrying a working token.
    moderator = Client(enforce_csrf_checks=True)
    moderator.force_login(facilitator)
    html = page(moderator, url)
    assert "My first words." in html
    assert "placeholder-0d6c3f" not in html
    form = re.search(
        rf'action="{reverse("moderation:approve", args=[post.pk])}"[^>]*>'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    )
    assert form, "approval form with its token"
    response = moderator.post(
        reverse("moderation:approve", args=[post.pk]),
        {"csrfmiddlewaretoken": form.group(1)},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == "published"
    assert "My first words." in page(signed_in(UserFactory()), url)


def test_time_zone_and_language_are_each_readers(dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    page(signed_in(UserFactory()), url)
    french = UserFactory()
    type(french).objects.filter(pk=french.pk).update(language="fr")
    assert "Répondre" in page(signed_in(french), url)
    tokyo = UserFactory()
    type(tokyo).objects.filter(pk=tokyo.pk).update(time_zone="Asia/Tokyo")
    tokyo_times = re.findall(r'<time datetime="([^"]+)"', page(signed_in(tokyo), url))
    utc_times = re.findall(
        r'<time datetime="([^"]+)"', page(signed_in(UserFactory()), url)
    )
    assert tokyo_times and tokyo_times[0].endswith("+09:00")
    assert utc_times[0].endswith("+00:00")


@pytest.mark.parametrize("topics", [3, 30])
def test_warm_signed_in_category_page_reads_only_the_read_marks(topics):
    """With the shared reads warm (the category and its page of topics come from
    them), a signed-in category page runs one statement, the reader's read
    marks, whatever the number of topics."""
    category = CategoryFactory()
    for _ in range(topics):
        TopicFactory(category=category)
    client = signed_in(UserFactory())
    url = category.get_absolute_url()
    page(client, url)
    with CaptureQueriesContext(connection) as queries:
        page(client, url + "?fresh=1")  # not the reader's kept page
    assert len(queries) == 1, [q["sql"][:80] for q in queries]
    assert "forum_topicread" in queries[0]["sql"]


@pytest.mark.parametrize("replies", [4, 40])
def test_warm_signed_in_topic_page_runs_few_queries(replies, settings):
    """With the shared reads warm: the user and the topic with the reader's read
    mark (the session comes from the cache), whatever the number of posts."""
    settings.FORUM_POSTS_PER_PAGE = 100
    topic = TopicFactory(replies=replies)
    client = signed_in(UserFactory())
    url = topic.get_absolute_url()
    page(client, url)
    with CaptureQueriesContext(connection) as queries:
        page(client, url)
    assert len(queries) <= 2, [q["sql"][:80] for q in queries]


def test_header_shows_a_new_name_and_count_at_once(dialogue):
    topic, _, _ = dialogue
    reader = UserFactory(display_name="Before Rename")
    client = signed_in(reader)
    url = topic.get_absolute_url()
    assert "Before Rename" in page(client, url)
    type(reader).objects.filter(pk=reader.pk).update(
        display_name="After Rename", unread_notifications=3
    )
    html = page(client, url)
    assert "After Rename" in html and "Before Rename" not in html
    assert '<span class="badge badge-unread">3' in html


def test_cached_header_and_footer_carry_a_working_token(dialogue):
    """The sign-out and language forms come from the fragment cache with the
    reader's own CSRF token."""
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    page(signed_in(UserFactory()), url)  # fills the fragments
    reader = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    html = page(client, url)
    assert "placeholder-0d6c3f" not in html
    token = re.search(
        rf'action="{reverse("accounts:switch_language")}"[^>]*>'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        html,
    ).group(1)
    response = client.post(
        reverse("accounts:switch_language"),
        {"csrfmiddlewaretoken": token, "language": "fr", "next": url},
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.language == "fr"


def test_previous_dialogue_follows_each_readers_sight(dialogue):
    """The cached summary-and-series block is keyed by the previous dialogue the
    reader may see: a members-only one shows to staff, not to others."""
    from forum.models import Category

    topic, _, _ = dialogue
    series = facilitation.create_series(name="Rounds", slug="rounds", description="")
    inner = CategoryFactory(slug="inner")
    Category.objects.filter(pk=inner.pk).update(visibility=Category.Visibility.PRIVATE)
    hidden = TopicFactory(category=inner, series=series, title="Members round")
    public = TopicFactory(category=topic.category, series=series, title="Open round")
    url = public.get_absolute_url()
    assert "Members round" in page(signed_in(UserFactory(is_staff=True)), url)
    assert "Members round" not in page(signed_in(UserFactory()), url)
    assert hidden.title in page(signed_in(UserFactory(is_staff=True)), url)


def test_cached_reply_form_gets_each_readers_key_and_token(dialogue):
    topic, _, _ = dialogue
    url = topic.get_absolute_url()
    key_field = re.compile(r'name="submission_key" value="([^"]*)"')
    first = page(signed_in(UserFactory()), url)
    author = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    html = page(client, url)
    assert "placeholder-" not in html
    keys = {key_field.search(first).group(1), key_field.search(html).group(1)}
    assert len(keys) == 2 and all(len(k) == 32 for k in keys)
    form = html.split('class="reply-box"', 1)[1]
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    )
    response = client.post(
        reverse("forum:reply", args=[topic.pk]),
        {**fields, "body": "Through the cached form.", "post": "1"},
    )
    assert response.status_code == 302
    assert topic.posts.filter(author=author, body="Through the cached form.").exists()


def test_reply_form_offers_new_and_edited_prompts_at_once(dialogue):
    """The cached reply form is keyed by the prompts it offers to tick."""
    topic, _, _ = dialogue
    reader = signed_in(UserFactory())
    url = topic.get_absolute_url()
    assert 'name="answering"' not in page(reader, url)
    prompt = facilitation.add_prompt(topic=topic, text="What builds trust?")
    html = page(reader, url)
    assert f'name="answering" value="{prompt.pk}"' in html
    assert "What builds trust?" in html.split('class="reply-box"', 1)[1]
    facilitation.edit_prompt(prompt=prompt, text="What keeps trust?")
    form = page(reader, url).split('class="reply-box"', 1)[1]
    assert "What keeps trust?" in form and "What builds trust?" not in form
