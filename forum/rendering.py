"""Markdown to safe HTML, done once when a post is saved.

markdown-it-py (CommonMark, raw HTML off) renders in linear time; nh3 then keeps
only an allow-list of tags, attributes and URL schemes, so nothing a user writes
can run in a reader's browser even if the renderer had a flaw.
"""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Characters that are invisible or reorder text: never allowed inside a URL.
_INVISIBLE = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def strip_invisible(url: str) -> str:
    cleaned = _INVISIBLE.sub("", url)
    return "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")


def _build() -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )
    md.enable(["strikethrough", "table"])
    normalize = md.normalizeLink
    md.normalizeLink = lambda url: normalize(strip_invisible(url))  # type: ignore[method-assign]
    validate = md.validateLink
    md.validateLink = lambda url: validate(strip_invisible(url))  # type: ignore[method-assign]

    def heading_open(renderer, tokens, idx, options, env):
        # Post headings sit below the page's h1 and the post's own h2/h3.
        level = min(int(tokens[idx].tag[1]) + 2, 6)
        tokens[idx].tag = f"h{level}"
        return renderer.renderToken(tokens, idx, options, env)

    def heading_close(renderer, tokens, idx, options, env):
        level = min(int(tokens[idx].tag[1]) + 2, 6)
        tokens[idx].tag = f"h{level}"
        return renderer.renderToken(tokens, idx, options, env)

    def image(renderer, tokens, idx, options, env):
        # Images become links: pages stay light on slow connections, and no
        # remote image can track readers.
        token = tokens[idx]
        src = md.utils.escapeHtml(token.attrGet("src") or "")
        alt = md.utils.escapeHtml(
            renderer.renderInlineAsText(token.children or [], options, env) or src
        )
        return f'<a href="{src}">{alt or src}</a>'

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    md.add_render_rule("image", image)
    return md


_md = _build()


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render user markdown to sanitised HTML."""
    return sanitise(_md.render(text))
