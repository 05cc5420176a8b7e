"""Markdown to safe HTML, done once when a post is saved.

markdown-it-py (CommonMark, raw HTML off) renders the text; nh3 then keeps only an
allow-list of tags, attributes and URL schemes, so nothing a user writes can run in
a reader's browser even if the renderer had a flaw.

Rendering is linear and quick (well under a second) for any body up to the size
limit. markdown-it-py is linear in principle but spends a lot of Python on each
piece of markup, and some inputs make it search far ahead again and again. So:

- exact shortcuts, which never change the output: the inline tokenizer stops only
  at characters an enabled rule can start with; a link or image is not tried where
  its label can never close; a link's address is normalised once per post;
- in a paragraph whose brackets would cost too much searching, the brackets that
  cannot form a link (unpaired, or nested deeper than anyone writes) are
  neutralised before parsing: they show as typed, so the text reads the same;
- budgets far above what any ordinary post uses: past 4,000 lines of markup the
  rest of a body is shown as typed, in a plain code block; past 1,500 links or
  4,000 emphasis markers (``*``, ``_``, ``~``), the rest of them are shown as
  typed.

Within those budgets a post renders exactly as plain markdown-it would; the tests
compare the two (``_build(guarded=False)``).
"""

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "img",
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
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
}
# The one kind of image a post shows: the thumbnail of an attachment, whose
# address the renderer writes. Any other source is dropped.
_THUMBNAIL_SRC = re.compile(r"/a/[1-9][0-9]{0,18}/thumb/")
# What the composer writes for an uploaded file: ![description](/a/12/) for an
# image, [name.pdf](/a/13/) for a document.
ATTACHED_FILE = re.compile(r"\]\(/a/([1-9][0-9]{0,18})/\)")
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Characters that are invisible or reorder text: never allowed inside a URL.
_INVISIBLE = re.compile(
    "[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


# Embedding, override and isolate controls (LRE RLE PDF LRO RLO, LRI RLI FSI
# PDI) make text show in another order than it was written, so what readers
# see is not what was typed. The marks that mixed-direction writing needs (LRM,
# RLM, ALM) stay.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(text: str) -> str:
    """text without bidi embedding, override and isolate controls."""
    return _BIDI_CONTROLS.sub("", text)


def plain_line(text: str) -> str:
    """A title or subject as stored: without bidi controls, trimmed."""
    return strip_bidi_controls(text).strip()


def strip_invisible(url: str) -> str:
    cleaned = _INVISIBLE.sub("", url)
    if cleaned.isascii():  # no ASCII character is a format character (Cf)
        return cleaned
    return "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")


# Budgets, each far above what an ordinary post uses (see the module docstring).
MAX_MARKUP_LINES = 4_000
MAX_LINKS = 1_500
MAX_EMPHASIS_MARKERS = 4_000
# How much label searching (in markup characters skipped) one paragraph may cost
# before its hopeless brackets are neutralised, and how deep brackets may then
# nest.
LABEL_SEARCH_BUDGET = 50_000
MAX_BRACKET_DEPTH = 16

# Where an enabled inline rule can start (newline, escape, code, emphasis and
# strikethrough, link, image, autolink, entity), plus "]" which ends a link label.
# markdown-it's default set also stops at "#$%+-:=>@^{}" for rules this site does
# not enable, and each stop costs a pass over every rule.
_INLINE_STOPS = re.compile(r"[\n!&*<\[\\\]_`~]")
_INLINE_STOPS_WITHOUT_EMPHASIS = re.compile(r"[\n!&<\[\\\]`]")


# Exact shortcuts for links and images.


def _closing_marks(state) -> tuple[int, int, int]:
    """The last "]", "](" and ")" in the inline source, found once per source."""
    marks = getattr(state, "_closing_marks", None)
    if marks is None:
        src = state.src
        marks = (src.rfind("]"), src.rfind("]("), src.rfind(")"))
        state._closing_marks = marks
    return marks


def _label_may_close(state, start: int) -> bool:
    """False when a link label opened at start certainly cannot become a link:
    no "]" follows it, or (with no reference definitions in the post) no "](" and
    ")" follow it. A cheap test before markdown-it's costly label search."""
    last_bracket, last_inline, last_paren = _closing_marks(state)
    if last_bracket <= start:
        return False
    if state.env.get("references"):
        return True
    return last_inline > start and last_paren > start + 2


def _guard_link(rule):
    def link(state, silent):
        pos = state.pos
        if state.src[pos] != "[" or pos in state.env.get("dead_brackets", ()):
            return False
        if not _label_may_close(state, pos):
            return False
        return rule(state, silent)

    return link


def _guard_image(rule):
    def image(state, silent):
        pos = state.pos
        if state.src[pos] != "!" or state.src[pos + 1 : pos + 2] != "[":
            return False
        if pos + 1 in state.env.get("dead_brackets", ()):
            return False
        if not _label_may_close(state, pos + 1):
            return False
        return rule(state, silent)

    return image


# The line budget, applied to the whole body before block parsing.

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CONTAINERS = re.compile(r"(?:[ \t]*(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)))*")
_LIST_MARK = re.compile(r"[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$)")


def _markup_line_cut(src: str) -> int | None:
    """Where src passes MAX_MARKUP_LINES lines of markup, or None if it never
    does. Fenced code is cheap and not counted. A line counts one more after a
    blank line (it starts a new block), and for each list item it opens, each
    quote level it opens (a line quoted as deep as the one before continues its
    quotes) and each cell of a table row."""
    most = 2 * (src.count("\n") + 1) + src.count("|")
    most += sum(src.count(mark) for mark in ">-+*.)")
    if most < MAX_MARKUP_LINES:  # a bound on the count below
        return None
    counted = 0
    fence = ""
    quotes = 0
    after_blank = True
    position = 0
    for line in src.split("\n"):
        marker = _FENCE.match(line)
        if fence:
            if (
                marker
                and marker.group(1)[0] == fence[0]
                and len(marker.group(1)) >= len(fence)
                and not line[marker.end() :].strip()
            ):
                fence = ""
        elif marker and not (marker.group(1)[0] == "`" and "`" in line[marker.end() :]):
            fence = marker.group(1)
            quotes = 0
        elif line.strip():
            prefix = _CONTAINERS.match(line).group()
            depth = prefix.count(">")
            counted += 1 + len(_LIST_MARK.findall(prefix)) + line.count("|")
            counted += max(depth - quotes, 0) + after_blank
            quotes = depth
            after_blank = False
            if counted > MAX_MARKUP_LINES:
                return position
        else:
            quotes = 0
            after_blank = True
        position += len(line) + 1
    return None


def _limit_lines(state) -> None:
    """Core rule, before block parsing: keep the lines past the line budget out of
    the parse; _add_literal_lines shows them as typed."""
    cut = _markup_line_cut(state.src)
    if cut is not None:
        state.env["literal_lines"] = state.src[cut:]
        state.src = state.src[:cut]


def _add_literal_lines(state) -> None:
    tail = state.env.pop("literal_lines", None)
    if tail:
        token = Token("code_block", "code", 0)
        token.content = tail
        token.block = True
        state.tokens.append(token)


# Taming inline sources (paragraphs, headings, table cells) before inline parsing.

_SCAN = re.compile(r"[\\`<\[\]*_~]")
_BACKTICK_RUN = re.compile(r"`+")
_EMPHASIS_RUN = re.compile(r"\*+|_+|~+")
_AUTOLINK = re.compile(
    r"<(?:([a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\x00-\x20]*)"
    r"|([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*))>"
)


@dataclass
class _Markup:
    """The link and emphasis markup of an inline source, as markdown-it will see
    it: backslash escapes, code spans and autolinks hide what is inside them."""

    pairs: list[tuple[int, int, int]] = field(default_factory=list)
    """Each "[" paired with a later "]" like parentheses: opening, closing, and
    height (1 for a pair with no pair inside)."""
    unpaired: list[int] = field(default_factory=list)
    autolinks: list[int] = field(default_factory=list)
    emphasis_runs: list[tuple[int, int]] = field(default_factory=list)


def _is_autolink(md: MarkdownIt, match: re.Match) -> bool:
    url = match.group(1)
    if url is not None:
        return bool(md.validateLink(md.normalizeLink(url)))
    return bool(md.validateLink(md.normalizeLink("mailto:" + match.group(2))))


def _scan(md: MarkdownIt, text: str) -> _Markup:
    runs: dict[int, list[int]] = {}
    run_end: dict[int, int] = {}
    for run in _BACKTICK_RUN.finditer(text):
        runs.setdefault(run.end() - run.start(), []).append(run.start())
        for pos in range(run.start(), run.end()):
            run_end[pos] = run.end()

    markup = _Markup()
    stack: list[list[int]] = []  # opening, height of the tallest pair inside
    pos = 0
    while found := _SCAN.search(text, pos):
        at = found.start()
        char = text[at]
        pos = at + 1
        if char == "\\":
            pos = at + 2
        elif char == "`":
            end = run_end[at]
            starts = runs[end - at]
            index = bisect_left(starts, end)
            pos = starts[index] + end - at if index < len(starts) else end
        elif char == "<":
            auto = _AUTOLINK.match(text, at)
            if auto and _is_autolink(md, auto):
                markup.autolinks.append(at)
                pos = auto.end()
        elif char == "[":
            stack.append([at, 0])
        elif char == "]":
            if stack:
                opening, inner = stack.pop()
                markup.pairs.append((opening, at, inner + 1))
                if stack:
                    stack[-1][1] = max(stack[-1][1], inner + 1)
        else:
            pos = _EMPHASIS_RUN.match(text, at).end()
            markup.emphasis_runs.append((at, pos))
    markup.unpaired = [opening for opening, _ in stack]
    markup.pairs.sort()
    return markup


def _label_search_escapes(markup: _Markup, text: str) -> set[int]:
    """The "[" to neutralise so that markdown-it's label searches stay cheap.

    markdown-it searches from each "[" for the end of its label, so the cost is
    about the markup between each pair, plus the markup after each unpaired "[".
    Within LABEL_SEARCH_BUDGET nothing changes. Beyond it, the unpaired ones
    (which can never open a link), those nesting more than MAX_BRACKET_DEPTH
    pairs, and then the widest pairs are neutralised: each pair neutralised
    encloses the ones left, so no search that remains crosses it.
    """
    stops = [found.start() for found in _INLINE_STOPS.finditer(text)]
    spans = [
        (bisect_left(stops, closing) - bisect_right(stops, opening), opening, height)
        for opening, closing, height in markup.pairs
    ]
    cost = sum(span for span, _, _ in spans) + sum(
        len(stops) - bisect_right(stops, opening) for opening in markup.unpaired
    )
    if cost <= LABEL_SEARCH_BUDGET:
        return set()
    escapes = set(markup.unpaired)
    escapes.update(opening for _, opening, h in spans if h > MAX_BRACKET_DEPTH)
    kept = sorted(
        ((span, opening) for span, opening, h in spans if h <= MAX_BRACKET_DEPTH),
        reverse=True,
    )
    total = sum(span for span, _ in kept)
    for span, opening in kept:
        if total <= LABEL_SEARCH_BUDGET:
            break
        escapes.add(opening)
        total -= span
    return escapes


def _escape_at(text: str, positions: list[int]) -> str:
    parts, last = [], 0
    for at in positions:
        parts.append(text[last:at])
        parts.append("\\")
        last = at
    parts.append(text[last:])
    return "".join(parts)


def _tame_inline(state) -> None:
    """Core rule, before inline parsing: neutralise the markup that would make an
    inline source slow to parse, or that passes the link or emphasis budget.

    A neutralised "[" is marked dead: the link and image rules pass it by, so it
    shows as typed. Right after a "]" in a post with reference definitions (where
    a reference label is read without asking those rules), and past the emphasis
    budget, it is escaped with a backslash instead, as is a neutralised
    autolink's "<". Text past the emphasis budget is parsed without emphasis
    (_parse_without_emphasis), so its markers show as typed.
    """
    inline = [token for token in state.tokens if token.type == "inline"]
    texts = [token.content for token in inline]
    # Marker characters bound the links and emphasis markers they can make.
    budgets_apply = (
        sum(t.count("[") + t.count("<") for t in texts) > MAX_LINKS
        or sum(t.count("*") + t.count("_") + t.count("~") for t in texts)
        > MAX_EMPHASIS_MARKERS
    )
    links_left, markers_left = MAX_LINKS, MAX_EMPHASIS_MARKERS
    references = bool(state.env.get("references"))
    for token, text in zip(inline, texts, strict=True):
        brackets = text.count("[")
        label_risk = brackets * len(text) > LABEL_SEARCH_BUDGET and "]" in text
        if not (budgets_apply or label_risk):
            continue
        markup = _scan(state.md, text)
        neutral = _label_search_escapes(markup, text) if label_risk else set()
        escapes: set[int] = set()
        cut = None
        if budgets_apply:
            # Links: autolinks, and pairs that an address or (with reference
            # definitions in the post) a label may follow.
            starts = sorted(
                [
                    opening
                    for opening, closing, _ in markup.pairs
                    if opening not in neutral
                    and (references or text[closing + 1 : closing + 2] == "(")
                ]
                + markup.autolinks
            )
            if len(starts) > links_left:
                cutoff = starts[links_left]
                neutral.update(o for o, _, _ in markup.pairs if o >= cutoff)
                neutral.update(o for o in markup.unpaired if o >= cutoff)
                escapes.update(a for a in markup.autolinks if a >= cutoff)
            links_left = max(links_left - len(starts), 0)
            for start, end in markup.emphasis_runs:
                if end - start > markers_left:
                    cut = start
                    markers_left = 0
                    break
                markers_left -= end - start
        escapes.update(
            at
            for at in neutral
            if (references and at and text[at - 1] == "]")
            or (cut is not None and at >= cut)
        )
        ordered = sorted(escapes)
        dead = [at + bisect_left(ordered, at) for at in neutral if at not in escapes]
        if ordered:
            if cut is not None:
                cut += bisect_left(ordered, cut)
            text = _escape_at(text, ordered)
        if cut is not None:
            token.meta["without_emphasis"] = text[cut:]
            text = text[:cut]
        if dead:
            token.meta["dead_brackets"] = frozenset(dead)
        token.content = text


def _inline(state) -> None:
    """markdown-it's core inline rule, also telling the link and image rules which
    brackets of each inline source are dead."""
    for token in state.tokens:
        if token.type == "inline":
            state.env["dead_brackets"] = token.meta.pop("dead_brackets", frozenset())
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)
    state.env.pop("dead_brackets", None)


def _parse_without_emphasis(state) -> None:
    """Core rule, after inline parsing: parse the text past the emphasis budget
    with emphasis and strikethrough off, so their markers show as typed."""
    for token in state.tokens:
        if token.type == "inline" and "without_emphasis" in token.meta:
            rest = token.meta.pop("without_emphasis")
            children = token.children if token.children is not None else []
            _md_without_emphasis.inline.parse(
                rest, _md_without_emphasis, state.env, children
            )
            token.children = children


# @username: a run of the characters usernames are made of, not preceded by one
# (so an email address is no mention); trailing dots and dashes end the sentence.
_MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]+)")
# Distinct names looked up per post; past it, further names stay plain text.
MAX_MENTION_NAMES = 100


def _mention_names(text: str):
    for match in _MENTION.finditer(text):
        name = match.group(1).rstrip(".+-")
        if name:
            yield match.start(), name


def _plain_children(token: Token):
    """The text children of an inline token that are not inside a link."""
    depth = 0
    for child in token.children or []:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "text" and not depth and "@" in child.content:
            yield child


def _mention_tokens(child: Token, links: dict[str, str], mentioned) -> list[Token]:
    """child's text split into plain text and links to the mentioned profiles;
    the names linked are added to mentioned (None inside a quote)."""
    text = child.content
    tokens: list[Token] = []
    last = 0
    for start, name in _mention_names(text):
        href = links.get(name.lower())
        if href is None:
            continue
        if start > last:
            tokens.append(Token("text", "", 0, content=text[last:start]))
        tokens.append(Token("link_open", "a", 1, attrs={"href": href}))
        tokens.append(Token("text", "", 0, content="@" + name))
        tokens.append(Token("link_close", "a", -1))
        if mentioned is not None and name.lower() not in mentioned:
            mentioned.append(name.lower())
        last = start + 1 + len(name)
    if not tokens:
        return [child]
    if last < len(text):
        tokens.append(Token("text", "", 0, content=text[last:]))
    return tokens


def _mentions(state) -> None:
    """Core rule, after inline parsing: link @username of existing users to their
    profiles (env["mention_lookup"] maps lower-case names to addresses) and list
    in env["mentioned"] those written outside quotes. Code is never touched."""
    lookup = state.env.get("mention_lookup")
    if lookup is None:
        return
    inline: list[tuple[Token, bool]] = []
    names: set[str] = set()
    quotes = 0
    for token in state.tokens:
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "inline" and "@" in token.content:
            inline.append((token, quotes > 0))
            for child in _plain_children(token):
                for _, name in _mention_names(child.content):
                    if len(names) < MAX_MENTION_NAMES:
                        names.add(name.lower())
    links = lookup(sorted(names)) if names else {}
    mentioned = state.env.setdefault("mentioned", [])
    for token, quoted in inline if links else ():
        plain = set(map(id, _plain_children(token)))
        children: list[Token] = []
        for child in token.children or []:
            if id(child) in plain:
                children.extend(
                    _mention_tokens(child, links, None if quoted else mentioned)
                )
            else:
                children.append(child)
        token.children = children


def _build(guarded: bool = True, *, emphasis: bool = True) -> MarkdownIt:
    """The site's renderer; guarded=False builds it without the speed guards (the
    tests compare the two on ordinary posts), emphasis=False without emphasis and
    strikethrough (for text past the emphasis budget)."""
    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )
    md.enable(["strikethrough", "table"])
    normalize = md.normalizeLink
    md.normalizeLink = lambda url: normalize(strip_invisible(url))  # type: ignore[method-assign]
    validate = md.validateLink
    md.validateLink = lambda url: validate(strip_invisible(url))  # type: ignore[method-assign]
    if guarded:
        # Parsing an address is the dearest step of a link; posts repeat theirs.
        md.normalizeLink = lru_cache(maxsize=4096)(md.normalizeLink)  # type: ignore[method-assign]
        md.normalizeLinkText = lru_cache(maxsize=4096)(md.normalizeLinkText)  # type: ignore[method-assign]
        # With html off these rules never match; skip asking them.
        md.disable(["html_inline", "html_block"])
        md.inline.terminator_re = _INLINE_STOPS
        for name, guard in (("link", _guard_link), ("image", _guard_image)):
            index = md.inline.ruler.__find__(name)
            rule = md.inline.ruler.__rules__[index].fn
            md.inline.ruler.at(name, guard(rule))
        md.core.ruler.before("block", "limit_lines", _limit_lines)
        md.core.ruler.after("block", "add_literal_lines", _add_literal_lines)
        md.core.ruler.before("inline", "tame_inline", _tame_inline)
        md.core.ruler.at("inline", _inline)
        md.core.ruler.after("inline", "without_emphasis", _parse_without_emphasis)
    if not emphasis:
        md.disable(["emphasis", "strikethrough"])
        md.inline.terminator_re = _INLINE_STOPS_WITHOUT_EMPHASIS

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
        # An attached image shows as its thumbnail, lazy-loaded and sized so the
        # page does not jump, linking to the large version. Any other image
        # becomes a link: no remote image can track readers.
        token = tokens[idx]
        raw_src = token.attrGet("src") or ""
        src = md.utils.escapeHtml(raw_src)
        text = renderer.renderInlineAsText(token.children or [], options, env)
        alt = md.utils.escapeHtml(text)
        attached = _ATTACHMENT_SRC.fullmatch(raw_src)
        size = attached and env.get("images", {}).get(int(attached[1]))
        if size and text.strip():
            width, height = size
            return (
                f'<a href="{src}"><img src="{src}thumb/" alt="{alt}" '
                f'width="{width}" height="{height}" loading="lazy" '
                f'decoding="async"></a>'
            )
        return f'<a href="{src}">{alt or src}</a>'

    if emphasis:
        md.core.ruler.push("mentions", _mentions)
    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    md.add_render_rule("image", image)
    return md


_md = _build()
_md_without_emphasis = _build(emphasis=False)


_ATTACHMENT_SRC = re.compile(r"/a/([1-9][0-9]{0,18})/")


def _only_thumbnails(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not _THUMBNAIL_SRC.fullmatch(value):
        return None
    return value


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_thumbnails,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render user markdown to sanitised HTML (bidi controls removed)."""
    return sanitise(_md.render(strip_bidi_controls(text)))


_LABEL_MARKS = re.compile(r"([\\\[\]])")


def escape_label(text: str) -> str:
    """Text that stays inside a link's or image's [label], on one line: only the
    marks that could end it are escaped, so the writer still reads their words."""
    return _LABEL_MARKS.sub(r"\\\1", plain_line(" ".join(text.split())))


def attached_ids(text: str) -> list[int]:
    """The attachments text shows or links to, in order, once each."""
    return list(dict.fromkeys(int(pk) for pk in ATTACHED_FILE.findall(text)))


def render_post(
    text: str, *, mention_lookup, image_sizes=None
) -> tuple[str, list[str]]:
    """Render a post's markdown to sanitised HTML, linking @mentions of the users
    mention_lookup finds (lower-case names to profile addresses); also return the
    lower-case names mentioned outside quotes, in order. image_sizes maps the
    ids of the attachments the post may show to their thumbnails' (width,
    height); other images stay links."""
    env: dict = {"mention_lookup": mention_lookup, "images": image_sizes or {}}
    html = sanitise(_md.render(strip_bidi_controls(text), env))
    return html, env.get("mentioned", [])
