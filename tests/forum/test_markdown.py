import re
import time
from html.parser import HTMLParser

import pytest

from forum import services
from forum.markdown import ALLOWED_TAGS, render_markdown, render_post

REL = 'rel="nofollow ugc noopener"'
HREF = re.compile(r'href="([^"]*)"')


def hrefs(html: str) -> list[str]:
    return HREF.findall(html)


class TagCollector(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = TagCollector()
    parser.feed(html)
    parser.close()
    return parser.tags


# What renders


def test_paragraphs():
    """Blank lines separate paragraphs."""
    assert render_markdown("One.\n\nTwo.") == "<p>One.</p>\n<p>Two.</p>\n"


def test_emphasis_and_strikethrough():
    """Bold, italics and strikethrough render as their tags."""
    html = render_markdown("**bold** *italic* _also_ ~~gone~~")

    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<em>also</em>" in html
    assert "<s>gone</s>" in html


def test_lists():
    """Bulleted and numbered lists render, numbered ones keep their start."""
    html = render_markdown("- a\n- b\n\n3. c\n4. d")

    assert "<ul>\n<li>a</li>\n<li>b</li>\n</ul>" in html
    assert '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>' in html


def test_links_get_rel():
    """Links keep their address and title and are marked as user content."""
    html = render_markdown('[site](https://example.org/a?b=1&c=2 "Title")')

    assert html == (
        '<p><a href="https://example.org/a?b=1&amp;c=2" title="Title" '
        f"{REL}>site</a></p>\n"
    )


def test_autolinks_get_rel():
    """Angle-bracket autolinks become links with the same rel."""
    html = render_markdown("<https://example.org/>")

    assert f'<a href="https://example.org/" {REL}>https://example.org/</a>' in html


def test_blockquotes_nest():
    """Quoted lines render as blockquotes, and quotes within quotes nest."""
    html = render_markdown("> outer\n> > inner")

    assert html == (
        "<blockquote>\n<p>outer</p>\n"
        "<blockquote>\n<p>inner</p>\n</blockquote>\n</blockquote>\n"
    )


def test_inline_code_is_escaped():
    """Inline code renders as code with its markup shown, not run."""
    html = render_markdown("Use `<b>x</b>` here")

    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in html
    assert "<b>" not in html


def test_fenced_code():
    """Fenced code renders as a pre block; the language tag is dropped."""
    html = render_markdown("```python\nif a < b:\n    print('<script>')\n```")

    assert html.startswith("<pre><code>")
    assert "if a &lt; b:\n    print('&lt;script&gt;')" in html
    assert "class=" not in html
    assert "<script" not in html


def test_tables():
    """Pipe tables render with head and body."""
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")

    assert "<table>" in html
    assert "<thead>\n<tr>\n<th>a</th>\n<th>b</th>" in html
    assert "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>" in html
    assert "style=" not in html


def test_table_alignment_drops_style():
    """Column alignment would need a style attribute, so it is dropped."""
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")

    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html


@pytest.mark.parametrize(
    ("source", "tag"),
    [("# One", "h3"), ("## Two", "h4"), ("### Three", "h5"), ("#### Four", "h6")],
)
def test_headings_are_shifted_down(source, tag):
    """Post headings sit two levels below the page's own headings."""
    text = source.lstrip("# ")

    assert render_markdown(source) == f"<{tag}>{text}</{tag}>\n"


@pytest.mark.parametrize("source", ["##### Five", "###### Six", "Setext\n==="])
def test_deep_and_setext_headings_stay_in_range(source):
    """No heading renders as h1 or h2, and none goes past h6."""
    html = render_markdown(source)

    assert re.search(r"<h[3-6]>", html)
    assert not re.search(r"<h[12]", html)
    assert "<h7" not in html


def test_images_become_links():
    """An image is shown as a link to it, with its alt text as the label."""
    html = render_markdown("![A chart](https://example.org/chart.png)")

    assert html == (
        f'<p><a href="https://example.org/chart.png" {REL}>A chart</a></p>\n'
    )
    assert "<img" not in html


def test_image_without_alt_shows_its_address():
    """An image without alt text is labelled with its address."""
    html = render_markdown("![](https://example.org/i.png)")

    address = "https://example.org/i.png"
    assert f'<a href="{address}" {REL}>{address}</a>' in html


def test_raw_html_is_shown_as_text():
    """HTML typed into a post is shown, never rendered."""
    html = render_markdown(
        '<b>hi</b> <a href="https://x.example">x</a>\n\n<div>d</div>'
    )

    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert "&lt;a href=" in html
    assert "&lt;div&gt;d&lt;/div&gt;" in html
    assert "<b>" not in html
    assert "<div>" not in html
    assert "<a " not in html


def test_html_comments_are_shown_as_text():
    """An HTML comment is shown as text, not hidden."""
    html = render_markdown("<!-- hidden -->")

    assert "&lt;!-- hidden --&gt;" in html


# Link safety


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](jav&#9;ascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](javascript&colon;alert(1))",
        "[x](java\u200bscript:alert(1))",
        "[x](\u200bjavascript:alert(1))",
        "[x](\ufeffjavascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "![x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](VBScript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](data:image/png;base64,iVBORw0KGgo=)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](DATA:text/html,<script>alert(1)</script>)",
        "<data:text/html,x>",
        "[x](ftp://example.org/file)",
        "[x](file:///etc/passwd)",
    ],
)
def test_dangerous_link_schemes_never_become_hrefs(source):
    """Only http, https, mailto and relative addresses survive as hrefs."""
    html = render_markdown(source)

    for href in hrefs(html):
        assert re.match(r"(https?:|mailto:|/|#|\?)", href), href
    lowered = html.lower()
    for scheme in ("javascript:", "vbscript:", "data:", "ftp:", "file:"):
        assert f'href="{scheme}' not in lowered
    assert "<img" not in lowered


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("[x](http://example.org/)", "http://example.org/"),
        ("[x](https://example.org/)", "https://example.org/"),
        ("[x](mailto:someone@example.org)", "mailto:someone@example.org"),
        ("[x](/t/12/)", "/t/12/"),
        ("[x](../up)", "../up"),
        ("[x](#p4)", "#p4"),
        ("[x](HTTPS://Example.org/)", "HTTPS://Example.org/"),
    ],
)
def test_safe_link_schemes_survive(source, href):
    """Web, mail and relative links keep their address."""
    assert hrefs(render_markdown(source)) == [href]


def test_links_with_refused_scheme_keep_text_but_no_address():
    """A link to a refused scheme keeps its label but points nowhere."""
    html = render_markdown("[download](ftp://example.org/f)")

    assert "download" in html
    assert hrefs(html) == []


def test_invisible_characters_are_stripped_from_urls():
    """Zero-width, direction-override and byte-order marks vanish from addresses."""
    html = render_markdown(
        "[x](https://exam\u200bple.org/pa\u202eth\ufeff/?q=\u200d1)"
        " ![y](https://example.org/\u2066i.png)"
    )

    assert hrefs(html) == [
        "https://example.org/path/?q=1",
        "https://example.org/i.png",
    ]
    for char in ("\u200b", "\u202e", "\ufeff", "\u200d", "\u2066"):
        assert char not in "".join(hrefs(html))


def test_every_link_gets_rel():
    """Every anchor, however it was written, carries the same rel."""
    html = render_markdown(
        "[a](https://a.example/) <https://b.example/> ![c](https://c.example/i.png)"
        "\n\n[d][ref]\n\n[ref]: https://d.example/"
    )

    anchors = re.findall(r"<a [^>]*>", html)
    assert len(anchors) == 4
    for anchor in anchors:
        assert REL in anchor


def test_rel_cannot_be_overridden():
    """A user cannot smuggle their own rel or target onto a link."""
    html = render_markdown(
        '[x](https://example.org/ "t" rel="opener" target="_blank")'
        "\n\n[y](https://example.org/y)"
    )

    anchors = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert anchors == [
        {"href": "https://example.org/y", "rel": "nofollow ugc noopener"}
    ]


# Hostile input


HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example/"><input name=p></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<base href="https://evil.example/">',
    '<p style="position:fixed;top:0">overlay</p>',
    '![x](https://example.org/i.png"onerror="alert(1))',
    '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")',
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`<iframe>` <iframe srcdoc='<script>alert(1)</script>'>",
    "> <svg><script>alert(1)</script></svg>\n> - <style>*{x:y}</style>",
    "| <script>a</script> | b |\n|---|---|\n| <img onerror=x> | 2 |",
    "[<img src=x onerror=alert(1)>](https://example.org/)",
    "<<script>script>alert(1)<</script>/script>",
]

FORBIDDEN_ELEMENTS = re.compile(
    r"<(script|iframe|svg|math|object|embed|form|meta|base|style|img|input|link)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_nothing_active(source):
    """No script, handler, style or embedding element survives rendering."""
    html = render_markdown(source)

    assert not FORBIDDEN_ELEMENTS.search(html), html
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        for name in attrs:
            assert not re.fullmatch(r"on\w+", name), html
            assert name in {"href", "title", "rel", "start"}, html


def test_hostile_input_is_still_readable():
    """Escaped markup is shown to readers rather than silently dropped."""
    html = render_markdown("<script>alert(1)</script>")

    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


# Linear time

LIMIT_SECONDS = 3.0


def nested_list(levels: int) -> str:
    return "\n".join("  " * n + "- item" for n in range(levels))


def nested_quotes(levels: int) -> str:
    return "\n".join(">" * n + " line" for n in range(1, levels + 1))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("*" * 50_000, id="stars"),
        pytest.param(">" * 50_000, id="quote-marks"),
        pytest.param("`" * 50_000, id="backticks"),
        pytest.param("<" * 50_000, id="angle-brackets"),
        pytest.param("_" * 50_000, id="underscores"),
        pytest.param("*a " * 16_000, id="unclosed-emphasis"),
        pytest.param("`a " * 16_000, id="unclosed-code"),
        pytest.param("> " * 25_000 + "deep", id="nested-quote-one-line"),
        pytest.param(nested_quotes(300), id="nested-quote-lines"),
        pytest.param("- " * 25_000 + "deep", id="nested-list-one-line"),
        pytest.param(nested_list(300), id="nested-list-lines"),
        pytest.param("1. " * 16_000, id="nested-ordered-list"),
        pytest.param("| a " * 12_000 + "\n" + "|---" * 12_000, id="wide-table"),
    ],
)
def test_pathological_input_renders_in_linear_time(source):
    """Inputs built to trigger backtracking still render promptly."""
    started = time.perf_counter()
    html = render_markdown(source)
    elapsed = time.perf_counter() - started

    assert isinstance(html, str)
    assert elapsed < LIMIT_SECONDS, f"{elapsed:.2f}s"


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_controls_are_removed_from_rendered_text():
    """Overrides and isolates cannot make a post show in another order than
    written; the marks mixed-direction writing needs (RLM, LRM) stay."""
    body = "Pay \u202eredro\u202c now, *\u2067see\u2069* [x\u202dy](https://a.example/)"
    for html in (render_markdown(body), render_post(body, mention_lookup=dict)[0]):
        assert not set(html) & set(BIDI_CONTROLS)
        assert "Pay redro now" in html
    assert "\u200f" in render_markdown("\u05e9\u05dc\u05d5\u05dd\u200f!")


def test_bidi_controls_are_removed_from_titles_and_subjects(category, user):
    topic = services.create_topic(
        category=category, author=user, title="Plan \u202eA\u202c\u2066!", body="Hi"
    )
    reply = services.post_reply(
        topic=topic, author=user, body="Yes", subject="\u202bRe\u202c: plan"
    )
    assert topic.title == "Plan A!"
    assert reply.subject == "Re: plan"
    services.rename_topic(topic=topic, title="\u2068Plan B\u2069")
    services.edit_post(post=reply, editor=user, body="Yes", subject="\u202eok")
    topic.refresh_from_db()
    reply.refresh_from_db()
    assert (topic.title, reply.subject) == ("Plan B", "ok")
