import html
import re

from django.urls import reverse
from django.utils.html import strip_tags

from .models import Post

MAX_SELECTION = 10_000
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def quote_markdown(post: Post, selection: str = "") -> str:
    """The markdown blockquote that "Quote" puts in the reply form.

    The attribution links to the quoted post; quoting a post that itself quotes
    nests its blockquote one level deeper. A selection (from the browser) replaces
    the whole body if the post holds it; words it does not hold are never
    attributed to its author, the whole post is quoted instead.
    """
    chosen = selection.strip()[:MAX_SELECTION]
    text = (chosen if chosen and post_holds(post, chosen) else post.body).strip()
    lines = [_attribution(post), "", *text.splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines) + "\n\n"


def _attribution(post: Post) -> str:
    url = reverse("forum:post", args=[post.pk])
    # Every ASCII punctuation mark escaped: a display name cannot become markup
    # (an autolink, emphasis, a bracket) that would replace the attribution link.
    name = _PUNCTUATION.sub(r"\\\1", post.author_name)
    return f"[{name} wrote:]({url})"


def leading_quote(body: str, post: Post) -> tuple[str, str]:
    """The quote of post that body starts with, as quote_markdown writes it:
    (its markdown exactly as in body, the empty lines after it included; the
    quoted text), or ("", "") when body does not start with one."""
    lines = body.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != f"> {_attribution(post)}":
        return "", ""
    taken = 1
    while taken < len(lines) and lines[taken].startswith(">"):
        taken += 1
    quoted = [line.rstrip("\r\n") for line in lines[1:taken]]
    while taken < len(lines) and not lines[taken].strip():
        taken += 1
    text = "\n".join(line[2:] if line.startswith("> ") else line[1:] for line in quoted)
    return "".join(lines[:taken]), text.strip("\n")


def post_holds(post: Post, selection: str) -> bool:
    """Whether selection is words of the post, as its source has them or as a
    reader sees them (rendered, tags dropped), whitespace aside: the browser
    copies the rendered text, whose spacing and line breaks differ."""
    wanted = _without_space(selection)
    shown = html.unescape(strip_tags(post.body_html))
    return wanted in _without_space(post.body) or wanted in _without_space(shown)


def _without_space(text: str) -> str:
    return "".join(text.split())
