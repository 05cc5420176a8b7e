"""forum.renderers writes the same HTML as templates/forum/_post.html and
_topic_row.html, for every kind of post, topic, reader and page, in both
languages and in two time zones."""

import copy
import difflib
import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import get_template
from django.utils import timezone, translation

from forum import fragments
from forum.models import Post, Topic
from forum.queries import TopicRow
from forum.renderers import render_post, render_topic_row
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def _posts() -> list[Post]:
    """One post of each kind the template tells apart."""
    author = UserFactory(display_name="Ana <b>& Co", signature="Ana, *Lima*")
    topic = TopicFactory(author=author, title="Trust & <care>")
    opening = topic.posts.get()
    other = UserFactory(display_name="O'Neil")
    plain = ReplyFactory(topic=topic, author=other, body="Plain words.")
    kinds = {
        "plain": plain,
        "subject": ReplyFactory(
            topic=topic, author=author, subject='A "quoted" <subject>', parent=plain
        ),
        "edited": ReplyFactory(topic=topic, author=other, parent=plain),
        "hidden": ReplyFactory(topic=topic, author=other),
        "hidden anonymously": ReplyFactory(topic=topic, author=other),
        "removed": ReplyFactory(topic=topic, author=other),
        "pending": ReplyFactory(topic=topic, author=other),
        "returned": ReplyFactory(topic=topic, author=other),
        "follow-up": ReplyFactory(topic=topic, author=author, parent=plain),
        "answered follow-up": ReplyFactory(topic=topic, author=author),
        "former participant": ReplyFactory(topic=topic, author=other),
    }
    now = timezone.now()
    updates = {
        "edited": {"edited_at": now + timedelta(minutes=5)},
        "hidden": {
            "is_hidden": True,
            "hidden_by_name": "Fac <i>",
            "hidden_reason": "Off topic & rude.",
        },
        "hidden anonymously": {"is_hidden": True},
        "removed": {"is_hidden": True, "body": "", "body_html": ""},
        "pending": {"status": "pending", "position": None},
        "returned": {
            "status": "returned",
            "position": None,
            "return_reason": "Please <add> a source.",
        },
        "follow-up": {"follow_up_for": other},
        "answered follow-up": {"follow_up_for": other, "follow_up_answered_at": now},
        "former participant": {"author": None, "author_name": "Former participant"},
    }
    for kind, fields in updates.items():
        Post.objects.filter(pk=kinds[kind].pk).update(**fields)
    ids = [opening.pk] + [p.pk for p in kinds.values()]
    posts = list(
        Post.objects.filter(pk__in=ids)
        .select_related("author", "parent", "follow_up_for")
        .order_by("pk")
    )
    for post, role in zip(posts, itertools.cycle(["Facilitator", "Participant", ""])):
        post.role = "Admin" if post.pk == plain.pk else role
        post.is_capped = bool(post.parent_id and post.pk % 2)
        post.notes = (
            [
                SimpleNamespace(
                    author_name="Fac <i>", tag_list=["trust", "a&b"], note="Ask <why>"
                ),
                SimpleNamespace(author_name="Bo", tag_list=[], note=""),
            ]
            if post.pk % 3 == 0
            else []
        )
    return posts


def shown_and_not(posts: list[Post]) -> list[Post]:
    """Each post with its text shown; hidden ones also as readers who may not
    see their text get them."""
    out = []
    for post in posts:
        for show in (True, False) if post.is_hidden else (True,):
            variant = copy.copy(post)
            variant.show_text = show
            out.append(variant)
    return out


def _diff(expected: str, written: str) -> str:
    lines = difflib.unified_diff(
        [repr(line) for line in expected.splitlines(keepends=True)],
        [repr(line) for line in written.splitlines(keepends=True)],
        "template",
        "postrender",
        lineterm="",
    )
    return "\n".join(lines)


def test_python_and_template_write_the_same_post_html():
    posts = _posts()
    template = get_template(fragments.TEMPLATE)
    author = posts[0].author
    readers = [AnonymousUser(), author, UserFactory()]
    compared = 0
    for language, zone in (("en", "UTC"), ("fr", "Asia/Tokyo")):
        with translation.override(language), timezone.override(zone):
            for post, view, moderator, reader, item, flags in itertools.product(
                shown_and_not(posts),
                ("threaded", "flat"),
                (False, True),
                readers,
                (False, True),
                ((False, False, False), (True, True, True), (True, False, True)),
            ):
                is_new, can_edit, can_reply = flags
                post = copy.copy(post)
                post.is_new, post.can_edit = is_new, can_edit
                context = {
                    "post": post,
                    "view": view,
                    "topic": post.topic,
                    "can_reply": can_reply,
                    "moderator": moderator,
                    "can_post": reader.is_authenticated,
                    "user": reader,
                    "csrf_token": fragments.CSRF_PLACEHOLDER,
                    "item": item,
                    "level": max(post.depth, 1) if view == "threaded" else None,
                }
                expected = template.render(context)
                written = render_post(context)
                assert written == expected, (
                    f"post {post.pk} ({language}, {view}, moderator={moderator}, "
                    f"reader={reader}, item={item}, flags={flags}): edit "
                    "forum.renderers.py and templates/forum/_post.html alike\n"
                    + _diff(expected, written)
                )
                compared += 1
    assert compared == len(shown_and_not(posts)) * 2 * 2 * 3 * 2 * 3 * 2


def _topics() -> list[Topic]:
    category = CategoryFactory()
    now = timezone.now()
    made = {
        "plain": TopicFactory(category=category, title="Plain"),
        "busy": TopicFactory(category=category, title="Busy <&> 'quoted'"),
        "pinned": TopicFactory(category=category),
        "locked": TopicFactory(category=category),
        "closing": TopicFactory(category=category),
        "closed by the clock": TopicFactory(category=category),
        "scheduled": TopicFactory(category=category),
        "summarised": TopicFactory(category=category),
        "by a former participant": TopicFactory(category=category),
    }
    updates = {
        "busy": {"post_count": 1234},
        "pinned": {"is_pinned": True, "post_count": 2},
        "locked": {"is_locked": True},
        "closing": {"closes_at": now + timedelta(hours=3)},
        "closed by the clock": {"closes_at": now - timedelta(hours=3)},
        "scheduled": {"opens_at": now + timedelta(days=3, hours=2)},
        "summarised": {"summary_excerpt": "We agreed <mostly> & moved on."},
        "by a former participant": {"author_name": "Former <participant>"},
    }
    for name, fields in updates.items():
        Topic.objects.filter(pk=made[name].pk).update(**fields)
    Topic.objects.filter(pk=made["busy"].pk).update(
        last_post_author_name="Ana <b>Ö</b> & co"
    )
    topics = list(Topic.objects.filter(category=category))
    topics.append(copy.copy(topics[0]))
    topics[-1].last_post_id = None
    return topics


def test_python_and_template_write_the_same_topic_rows():
    template = get_template(fragments.TOPIC_ROW)
    topics = _topics()
    compared = 0
    for language, zone in (("en", "UTC"), ("fr", "Asia/Tokyo")):
        with translation.override(language), timezone.override(zone):
            for topic, signed_in, new_count in itertools.product(
                topics, (False, True), (0, 1, 1500)
            ):
                context = {
                    "row": TopicRow(topic=topic, new_count=new_count),
                    "topic": topic,
                    "signed_in": signed_in,
                }
                expected = template.render(context)
                written = render_topic_row(context)
                assert written == expected, (
                    f"topic {topic.title!r} ({language}, signed_in={signed_in}, "
                    f"new={new_count}): edit forum/renderers.py and "
                    "templates/forum/_topic_row.html alike\n" + _diff(expected, written)
                )
                compared += 1
    assert compared == len(topics) * 2 * 2 * 3


def test_the_page_uses_the_python_renderer(client, monkeypatch):
    """A topic page's posts come from render_post (the template is the
    reference only)."""
    topic = TopicFactory(replies=2)
    rendered = []

    def spy(context):
        rendered.append(context["post"].pk)
        return render_post(context)

    monkeypatch.setitem(fragments.RENDERERS, fragments.TEMPLATE, spy)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert sorted(rendered) == sorted(topic.posts.values_list("pk", flat=True))
    assert all(f'id="p{pk}"' in html for pk in rendered)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pagination_is_written_as_the_template_writes_it(language):
    from forum.queries import PageInfo
    from forum.renderers import render_pagination

    template = get_template("forum/_pagination.html")
    cases = 0
    with translation.override(language):
        for count, extra, label in itertools.product(
            (0, 25, 26, 130, 10_000), ("", "prompt=3&"), ("", "Pages of <this> & that")
        ):
            last = PageInfo(number=1, count=count, per_page=25).num_pages
            for number in sorted({1, 2, 3, 4, 5, last // 2, last - 1, last} - {0}):
                page = PageInfo(number=number, count=count, per_page=25, extra=extra)
                context = {"page": page, "label": label}
                assert render_pagination(page, label) == template.render(context)
                cases += 1
    assert cases > 100


def test_formatted_dates_are_kept_only_by_what_they_show():
    """A date format's text is kept per day or per minute only when it shows
    nothing finer (seconds) and nothing of the time zone."""
    from forum.renderers import _kept_fields

    assert _kept_fields("N j, Y") == 3
    assert _kept_fields("j F Y") == 3
    assert _kept_fields("N j, Y, P") == 5
    assert _kept_fields("j F Y H:i") == 5
    for form in ("c", "r", "U", "H:i:s", "P T", "Y-m-d e", "O", "I", "u", "Z"):
        assert _kept_fields(form) == 0, form
