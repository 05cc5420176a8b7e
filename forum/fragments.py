"""Rendered posts, topic rows and page blocks, reused across requests and readers.

A topic page writes each post with forum.renderers.render_post (the same HTML as
templates/forum/_post.html). The fragment a post renders to depends only on the
values that template reads: the post's own
fields, its author's name, badge and signature, its parent's author and number, the
reader's relation to it (new to them, theirs, editable by them) and the page's
settings (view, language, time zone, who may reply or moderate). `attach_html`
puts every one of those values (`post_values`) into the cache key, so a fragment is
found again only while all of them are unchanged: an edit, a hide, a renamed
author or a new badge gives a new key at once, and nothing ever needs
invalidating. Readers who stand in the same relation to a post (most readers of
most posts) share one fragment.

Facilitators' forms carry their own CSRF token: fragments hold a placeholder that
is replaced with the reader's token after the cache lookup (`fill`).
"""

from django.conf import settings
from django.core.cache import caches
from django.template.context_processors import csrf
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from . import pagecache
from .renderers import render_post, render_topic_row

TEMPLATE = "forum/_post.html"
TOPIC_ROW = "forum/_topic_row.html"
# A value no post can contain: the template writes it where a token goes.
CSRF_PLACEHOLDER = "csrf-token-placeholder-0d6c3f"
# Where a fresh reply form's one-time submission key goes (see fill).
SUBMISSION_PLACEHOLDER = "submission-key-placeholder-5e1a9b"


# Fragments written in Python (the template is their reference; see
# forum/renderers.py).
RENDERERS = {TEMPLATE: render_post, TOPIC_ROW: render_topic_row}


def _cache():
    return caches[settings.FORUM_FRAGMENT_CACHE_ALIAS]


def post_values(post) -> tuple:
    """Every value of the post (and its author and parent) that _post.html reads."""
    author = post.author
    parent = post.parent if post.parent_id else None
    follow_up_for = post.follow_up_for if post.follow_up_for_id else None
    return (
        post.pk,
        post.depth,
        post.position,
        post.parent_id,
        post.status,
        post.is_hidden,
        bool(post.body),
        post.show_text,
        post.display_subject,
        post.author_name,
        post.role,
        post.created_at,
        post.edited_at,
        post.is_new,
        post.is_capped,
        post.can_edit,
        post.follow_up_for_id,
        follow_up_for.name if follow_up_for else None,
        post.follow_up_answered_at,
        post.return_reason,
        post.hidden_by_name,
        post.hidden_reason,
        post.body_html,
        (author.pk, author.username, author.signature_html) if author else None,
        (parent.author_name, parent.position) if parent else None,
        tuple(
            (note.author_name, tuple(note.tag_list), note.note) for note in post.notes
        ),
    )


def _key(kind: str, material: tuple) -> str:
    """A fragment's cache key: what it is, and every value it shows, in the
    reader's language and time zone."""
    where = (translation.get_language(), timezone.get_current_timezone_name())
    return f"{kind}:{pagecache.digest((where, material))}"


def render_each(template_name: str, items: list, key_of, context_of) -> list[str]:
    """Each item written by the fragment template's renderer (RENDERERS), from
    the fragment cache when the same values were written before. key_of(item)
    gives every value the fragment shows (with the language and time zone, added
    here); context_of(item) the template's context."""
    keys = [_key(template_name, key_of(item)) for item in items]
    cache = _cache()
    found = cache.get_many(keys)
    missing = {}
    render = RENDERERS[template_name]
    out = []
    for item, key in zip(items, keys, strict=True):
        html = found.get(key)
        if html is None:
            html = missing[key] = render(context_of(item))
        out.append(html)
    if missing:
        cache.set_many(missing, settings.FORUM_FRAGMENT_CACHE_TIMEOUT)
    return out


def attach_html(
    request,
    posts,
    *,
    topic,
    view: str,
    can_reply: bool,
    moderator: bool,
    can_post: bool,
    items: bool = False,
) -> str:
    """The posts written as _post.html would write them, joined: each from the
    fragment cache when this exact fragment was written before, else written and
    kept. With `items`, each inside the list item of the page's list of posts (in
    the threaded view carrying its depth)."""
    if not posts:
        return ""
    user = request.user
    viewer_id = user.pk if user.is_authenticated else None
    page_values = (
        view,
        items,
        topic.pk,
        topic.title,
        can_reply,
        moderator,
        can_post,
        viewer_id is not None,
    )

    def key_of(post):
        own = viewer_id is not None and post.author_id == viewer_id
        return (page_values, own, post_values(post))

    def context_of(post):
        return {
            "post": post,
            "view": view,
            "topic": topic,
            "can_reply": can_reply,
            "moderator": moderator,
            "can_post": can_post,
            "user": user,
            "csrf_token": CSRF_PLACEHOLDER,
            "item": items,
            "level": max(post.depth, 1) if view == "threaded" else None,
        }

    rendered = "".join(render_each(TEMPLATE, posts, key_of, context_of))
    return fill(rendered, csrf(request)["csrf_token"])


def fill(html: str, csrf_token, submission_key: str = "") -> str:
    """The request's own values put where a cached fragment holds placeholders:
    the reader's CSRF token (lazy: made only when a form needs it) and the reply
    form's one-time submission key."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(csrf_token))
    if SUBMISSION_PLACEHOLDER in html:
        html = html.replace(SUBMISSION_PLACEHOLDER, submission_key)
    return mark_safe(html)


def fill_from(context, html: str) -> str:
    """fill, with the values of a template's context."""
    return fill(html, context.get("csrf_token", ""), context.get("submission_key", ""))


def cached_block(context, nodelist, material: tuple) -> str:
    """A template block's output from the fragment cache, keyed by `material` (the
    block's place and every value it shows) with the language and time zone."""
    key = _key("block", material)
    cache = _cache()
    html = cache.get(key)
    if html is None:
        with context.push(csrf_token=CSRF_PLACEHOLDER):
            html = nodelist.render(context)
        cache.set(key, html, settings.FORUM_FRAGMENT_CACHE_TIMEOUT)
    return fill_from(context, html)


def topic_rows(rows, *, signed_in: bool) -> str:
    """The rows of a category's list of topics, each from the fragment cache when
    its values were rendered before (the reader's unread count among them)."""

    def key_of(row):
        topic, last = row.topic, row.topic.latest
        return (
            signed_in,
            row.new_count,
            topic.pk,
            topic.title,
            topic.is_pinned,
            topic.phase,
            topic.opens_at,
            topic.summary_excerpt,
            topic.author_name,
            topic.created_at,
            topic.post_count,
            (last.pk, last.author_name, last.created_at) if last else None,
        )

    def context_of(row):
        return {"row": row, "topic": row.topic, "signed_in": signed_in}

    return mark_safe("".join(render_each(TOPIC_ROW, rows, key_of, context_of)))
