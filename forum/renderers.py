"""Fragments written in Python: the same HTML as their templates.

A page that is not in any cache (a deep page of a long topic or of a big
category, a page right after a change) renders up to 25 posts or 30 topic rows;
through the template engine each costs one to two milliseconds, here about a
tenth of that; its pagination, written twice, is here too. The templates
(templates/forum/_post.html, _topic_row.html, _last_post.html and
_pagination.html) stay the reference: tests/forum/test_renderers.py renders every
kind of post, row and page list both ways, in both languages (and the posts and
rows in two time zones), and requires the same HTML. A change to one needs the
same change to the other, and that test says so.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.translation import get_language, gettext, ngettext, pgettext

from .templatetags.forum_tags import cut_final_stop, id_url, id_url_parts

REMOVED = "This post was removed at its author's request."
NOTES = "Facilitators' notes"
RESEND = "Edit it and save to send it again; nobody else sees it meanwhile."


@lru_cache(maxsize=4096)
def _translated(language: str, message: str) -> str:
    """gettext(message), looked up once per language (called with that language
    active)."""
    return gettext(message)


@lru_cache(maxsize=64)
def _date_format(language: str, name: str) -> str:
    return get_format(name)


@lru_cache(maxsize=64)
def _format_pieces(form: str) -> tuple[tuple[bool, str], ...]:
    """A date format split as DateFormat.format() splits it on every call:
    (True, format character) or (False, literal text)."""
    pieces = []
    for i, piece in enumerate(dateformat.re_formatchars.split(form)):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))
    return tuple(pieces)


def _format_datetime(value, form: str) -> str:
    """dateformat.format(value, form) for a datetime, the format split once."""
    formatter = dateformat.DateFormat(value)
    return "".join(
        str(getattr(formatter, piece)()) if code else piece
        for code, piece in _format_pieces(form)
    )


# Format characters whose output depends on the time zone or on the seconds, and
# those that depend on the hour and minute; the others depend on the date alone.
_UNKEPT_CODES = frozenset("cIOerTUuZs")
_TIME_CODES = frozenset("aAfgGhHiP")


@lru_cache(maxsize=64)
def _kept_fields(form: str) -> int:
    """How many of (year, month, day, hour, minute) decide a date format's text:
    3, 5, or 0 when it also depends on more (then it is not kept)."""
    codes = {piece for code, piece in _format_pieces(form) if code}
    if codes & _UNKEPT_CODES:
        return 0
    return 5 if codes & _TIME_CODES else 3


@lru_cache(maxsize=8192)
def _kept_format(language: str, form: str, fields: tuple) -> str:
    """A formatted date, kept per language and format: topics started and posts
    written on the same day (or in the same minute) show the same text."""
    # Only the fields counted above are read, so the zone given is never shown.
    return _format_datetime(datetime(*fields, tzinfo=UTC), form)


def _format_local(language: str, value, form: str) -> str:
    """_format_datetime for a datetime already in local time."""
    kept = _kept_fields(form)
    if not kept:
        return _format_datetime(value, form)
    fields = (value.year, value.month, value.day, value.hour, value.minute)
    return _kept_format(language, form, fields[:kept])


class _Reader:
    """The active language, time zone and URL prefix, looked up once per
    fragment."""

    __slots__ = ("language", "prefix", "urlconf", "zone")

    def __init__(self):
        self.language = get_language()
        self.zone = timezone.get_current_timezone()
        self.prefix = get_script_prefix()
        self.urlconf = get_urlconf()

    def t(self, message: str) -> str:
        return _translated(self.language, message)

    def url(self, viewname: str, pk: int) -> str:
        """id_url(viewname, pk), the prefix and URLconf looked up once."""
        if type(pk) is int:
            parts = id_url_parts(viewname, self.prefix, self.urlconf)
            if parts is not None:
                return f"{parts[0]}{pk}{parts[1]}"
        return id_url(viewname, pk)

    def local(self, value):
        if timezone.is_aware(value):
            return timezone.localtime(value, self.zone)
        return value

    def date(self, value, form: str) -> str:
        """value|date:form, in local time."""
        return _format_local(
            self.language, self.local(value), _date_format(self.language, form)
        )

    def time(self, value, form: str = "DATETIME_FORMAT") -> tuple[str, str]:
        """A datetime as the templates show it, in local time: ISO (the "c"
        format is isoformat()) and `form`."""
        value = self.local(value)
        return (
            value.isoformat(),
            _format_local(self.language, value, _date_format(self.language, form)),
        )


@lru_cache(maxsize=4096)
def _profile_url(username: str, prefix: str, urlconf) -> str:
    return reverse("forum:profile", args=[username], urlconf=urlconf)


def _role(t, role: str) -> str:
    if role in ("Admin", "Facilitator", "Participant"):
        return t(role)
    return conditional_escape(role)


def render_post(c: dict) -> str:
    """The fragment for one post, from the same context _post.html is given."""
    reader = _Reader()
    t = reader.t
    e = conditional_escape
    post, topic, view, user = c["post"], c["topic"], c["view"], c["user"]
    moderator = c["moderator"]
    pk = post.pk
    post_url = reader.url("forum:post", pk)
    out = []
    w = out.append
    if c["item"]:
        w(f'<li aria-level="{c["level"]}">' if c["level"] else "<li>")
    classes = "post"
    if view == "threaded" and post.depth > 1:
        classes += f" indent-{post.depth - 1}"
    if post.is_new:
        classes += " is-new"
    if not post.parent_id:
        classes += " opening-post"
    if post.is_hidden:
        classes += " is-hidden"
    w(f'<article class="{classes}" id="p{pk}" aria-labelledby="s{pk}">\n')
    w('  <header class="post-head">\n')
    if post.is_hidden and not post.body:
        subject = t("Removed post")
    elif not post.show_text:
        subject = t("Hidden post")
    elif post.parent_id:
        subject = e(post.display_subject)
    else:
        subject = e(topic.title)
    w(
        f'    <h2 class="post-subject" id="s{pk}"><a href="{post_url}">'
        f"{subject}</a></h2>\n"
    )
    w("    ")
    if post.show_text:
        w('\n    <p class="post-meta">\n      ')
        if post.author:
            profile = _profile_url(post.author.username, reader.prefix, reader.urlconf)
            w(f'<a class="author" href="{e(profile)}">{e(post.author_name)}</a>')
        else:
            w(f'<span class="author">{e(post.author_name)}</span>')
        w("\n      ")
        if post.role:
            w(
                f'<span class="badge badge-{e(post.role.lower())}">'
                f"{_role(t, post.role)}</span>"
            )
        iso, text = reader.time(post.created_at)
        w(
            f'\n      <span aria-hidden="true">·</span> '
            f'<time datetime="{e(iso)}">{e(text)}</time>\n      '
        )
        if post.edited_at:
            iso, text = reader.time(post.edited_at)
            edited = t('(edited <time datetime="%(iso)s">%(date)s</time>)') % {
                "iso": e(iso),
                "date": e(text),
            }
            w(f'<span class="edited">{edited}</span>')
        w("\n      ")
        if post.is_new:
            w(f'<span class="tag tag-new">{t("New")}</span>')
        w("\n    </p>\n    ")
    w("\n    ")
    if post.parent_id and post.position:
        hidden = " visually-hidden" if view == "threaded" and not post.is_capped else ""
        in_reply = t(
            'In reply to <a href="%(parent_url)s">%(name)s</a> (#%(position)s)'
        ) % {
            "parent_url": e(reader.url("forum:post", post.parent.pk)),
            "name": e(post.parent.author_name),
            "position": post.parent.position,
        }
        w(f'\n    <p class="reply-to{hidden}">{in_reply}</p>\n    ')
    w("\n  </header>\n  ")
    if post.follow_up_for_id:
        label = t("Follow-up question to %(name)s") % {
            "name": e(post.follow_up_for.name)
        }
        state = t("answered") if post.follow_up_answered_at else t("awaiting an answer")
        w(f'<p class="follow-up-label">{label} · {state}</p>')
    w("\n  ")
    if post.status == "pending":
        note = (
            t(
                "Only you, the author and the facilitators see this post until "
                "a facilitator approves it."
            )
            if moderator
            else t(
                "Only you and the facilitators see this post until a facilitator "
                "approves it."
            )
        )
        w(
            f'<p class="pending-note" role="note"><strong>'
            f"{t('Awaiting approval.')}</strong> {note}</p>"
        )
    w("\n  ")
    if post.status == "returned":
        reason = (
            f": {e(cut_final_stop(post.return_reason))}" if post.return_reason else ""
        )
        w(
            f'<p class="pending-note" role="note"><strong>'
            f"{t('Returned to the author')}</strong>{reason}. "
            f"{t(RESEND)}"
            "</p>"
        )
    w("\n  ")
    if post.is_hidden and not post.body:
        w(f'\n    <p class="post-placeholder">{t(REMOVED)}</p>\n  ')
    elif post.show_text:
        w("\n    ")
        if post.is_hidden:
            by = (
                t("Hidden by %(name)s") % {"name": e(post.hidden_by_name)}
                if post.hidden_by_name
                else t("Hidden by a facilitator")
            )
            reason = (
                f": {e(cut_final_stop(post.hidden_reason))}"
                if post.hidden_reason
                else ""
            )
            w(
                f'<p class="hidden-note" role="note"><strong>{by}</strong>{reason}. '
                f"{t('Only the author and the facilitators see this text.')}</p>"
            )
        body = post.body_html
        w(f'\n    <div class="post-body" data-user-content>{body}</div>\n    ')
        signature = post.author.signature_html if post.author else ""
        if signature:
            w(f'<div class="signature" data-user-content>{signature}</div>')
        w("\n  ")
    else:
        w(
            '\n    <p class="post-placeholder">'
            f"{t('This post was hidden by a facilitator.')}</p>\n  "
        )
    w("\n  ")
    if moderator and post.notes:
        w(f'\n  <aside class="notes" aria-label="{t(NOTES)}">\n    ')
        for note in post.notes:
            w(
                "<p><strong>"
                + t("Note by %(name)s") % {"name": e(note.author_name)}
                + "</strong>"
            )
            for tag in note.tag_list:
                w(f' <span class="tag">{e(tag)}</span>')
            if note.note:
                w(f": {e(note.note)}")
            w("</p>")
        w("\n  </aside>\n  ")
    w('\n  <footer class="post-actions">\n    ')
    if post.position:
        w(
            f'<a href="{post_url}" class="permalink" '
            f'title="{t("Permanent link to this post")}">#{post.position}</a>'
        )
    w("\n    ")
    if c["can_reply"] and post.position and post.show_text and not post.is_hidden:
        reply_url = reader.url("forum:reply", topic.pk)
        name = e(post.author_name)
        to_name = t("to %(name)s") % {"name": name}
        w(
            f'\n      <a href="{reply_url}?parent={pk}" class="reply-link">'
            f'{t("Reply")}<span class="visually-hidden"> {to_name}</span></a>'
            f'\n      <a href="{reply_url}?parent={pk}&amp;quote={pk}" '
            f'class="quote-link" data-quote="{pk}">{t("Quote")}'
            f'<span class="visually-hidden"> {name}</span></a>\n    '
        )
    w("\n    ")
    if post.can_edit:
        w(f'<a href="{reader.url("forum:edit_post", pk)}">{t("Edit")}</a>')
    w("\n    ")
    signed_in = user.is_authenticated
    if (post.edited_at and post.show_text and signed_in) and (
        moderator or post.author_id == user.pk
    ):
        w(f'<a href="{reader.url("forum:post_history", pk)}">{t("History")}</a>')
    w("\n    ")
    if (
        c["can_post"]
        and signed_in
        and post.author_id != user.pk
        and post.position
        and not post.is_hidden
    ):
        w(
            f'<a href="{reader.url("moderation:report", pk)}">{t("Report")}'
            f'<span class="visually-hidden"> {t("this post")}</span></a>'
        )
    w("\n    ")
    if moderator:
        token = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">',
            c["csrf_token"],
        )
        w("\n      ")
        if post.status == "pending":
            w(
                f'\n        <form method="post" '
                f'action="{reader.url("moderation:approve", pk)}" class="inline-form">'
                f'{token}<button type="submit" class="link-button">'
                f"{t('Approve')}</button></form>"
                f'\n        <a href="{reader.url("moderation:return", pk)}">'
                f"{t('Return to author')}</a>\n      "
            )
        elif post.is_hidden and post.body:
            w(
                f'\n        <form method="post" '
                f'action="{reader.url("moderation:unhide", pk)}" class="inline-form">'
                f'{token}<button type="submit" class="link-button">'
                f"{t('Unhide')}</button></form>\n      "
            )
        elif post.position:
            w(
                f'\n        <a href="{reader.url("moderation:hide", pk)}">'
                f"{t('Hide')}</a>\n      "
            )
        w("\n      ")
        if post.position:
            w(
                f'<a href="{reader.url("facilitation:annotate", pk)}">'
                f'{pgettext("verb", "Note")}<span class="visually-hidden"> '
                f"{t('on this post')}</span></a>"
            )
        w("\n    ")
    w("\n  </footer>\n</article>")
    if c["item"]:
        w("</li>")
    w("\n")
    return "".join(out)


def render_last_post(post, reader: _Reader | None = None) -> str:
    """templates/forum/_last_post.html."""
    reader = reader or _Reader()
    t = reader.t
    e = conditional_escape
    iso, text = reader.time(post.created_at)
    by = t('by %(author)s, <time datetime="%(iso)s">%(date)s</time>') % {
        "author": e(post.author_name),
        "iso": e(iso),
        "date": e(text),
    }
    return f'<a href="{reader.url("forum:post", post.pk)}">{by}</a>\n'


def render_topic_row(c: dict) -> str:
    """One row of a category's list of topics, from the context
    _topic_row.html is given."""
    reader = _Reader()
    t = reader.t
    e = conditional_escape
    row, topic = c["row"], c["topic"]
    out = ["\n<tr", ' class="pinned">\n' if topic.is_pinned else ">\n", "      <td>\n"]
    w = out.append
    w("        ")
    if topic.is_pinned:
        w(f'<span class="tag">{t("Pinned")}</span>')
    w(
        f'\n        <a class="row-title" href="{reader.url("forum:topic", topic.pk)}">'
        f"{e(topic.title)}</a>\n        "
    )
    phase = topic.phase
    if phase == "locked":
        w(f'<span class="tag tag-locked">{t("Topic locked")}</span>')
    elif phase == "scheduled":
        date = e(reader.date(topic.opens_at, "MONTH_DAY_FORMAT"))
        w(f'<span class="tag">{t("Opens %(date)s") % {"date": date}}</span>')
    elif phase == "closing_soon":
        w(f'<span class="tag">{t("Closing soon")}</span>')
    w("\n        ")
    if topic.summary_excerpt:
        w(f'<p class="summary-excerpt">{t("Summary:")} {e(topic.summary_excerpt)}</p>')
    iso, text = reader.time(topic.created_at, "DATE_FORMAT")
    started = t('Started by %(author)s, <time datetime="%(iso)s">%(date)s</time>') % {
        "author": e(topic.author_name),
        "iso": e(iso),
        "date": e(text),
    }
    count = topic.post_count
    posts = ngettext("%(number)s post", "%(number)s posts", count) % {
        "number": e(intcomma(count)),
        "posts": count,
    }
    w(
        f'\n        <p class="muted">{started}</p>\n      </td>\n'
        f'      <td class="num" data-label="{t("Posts")}">{posts}\n        '
    )
    if c["signed_in"]:
        w("/ ")
        if row.new_count:
            new = ngettext("%(new)s new", "%(new)s new", row.new_count) % {
                "new": row.new_count
            }
            w(
                f'<a class="new-count" '
                f'href="{reader.url("forum:topic_unread", topic.pk)}">{new}</a>'
            )
        else:
            w(t("0 new"))
    w(f'</td>\n      <td data-label="{t("Last post")}">')
    if (latest := topic.latest) is not None:
        w(render_last_post(latest, reader))
    w("</td>\n    </tr>\n")
    return "".join(out)


def render_pagination(page, label: str = "") -> str:
    """templates/forum/_pagination.html, from its context (a page's PageInfo and
    the navigation's label)."""
    if page.num_pages <= 1:
        return "\n"
    t = _Reader().t
    e = conditional_escape
    extra = e(page.extra)
    out = [
        '\n<nav class="pagination" aria-label="',
        e(label) if label else t("Pages"),
        '">\n  <ul>\n  ',
    ]
    w = out.append
    if page.has_previous:
        w(
            f'<li><a href="?{extra}page={page.previous_page_number}" rel="prev">'
            f"{t('Previous')}</a></li>"
        )
    w("\n  ")
    for number in page.page_range:
        w("\n    ")
        if number is None:
            w('<li aria-hidden="true">…</li>\n    ')
        elif number == page.number:
            w(
                f'<li><a aria-current="page" href="?{extra}page={number}">'
                f"{number}</a></li>\n    "
            )
        else:
            w(f'<li><a href="?{extra}page={number}">{number}</a></li>')
        w("\n  ")
    w("\n  ")
    if page.has_next:
        w(
            f'<li><a href="?{extra}page={page.next_page_number}" rel="next">'
            f"{t('Next')}</a></li>"
        )
    w("\n  </ul>\n</nav>\n\n")
    return "".join(out)
