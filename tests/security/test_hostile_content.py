"""Hostile content: every body in the hostile corpus goes through the real reply
form, is stored exactly as written, and reaches readers with nothing that runs.

The HTML is read the way a browser reads it (html.parser, entities decoded), so
markup that is merely shown as text (``&lt;script&gt;``) is harmless and only
elements and attributes a browser would build count. Each post is then quoted
through the Quote link's prefilled form, and the quote is checked the same way.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from forum.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from forum.models import Post
from tests.factories import UserFactory
from tests.security.hostile_corpus import (
    BODY_MAX,
    CORPUS,
    HOSTILE_NAME,
    HOSTILE_SIGNATURE,
)
from tests.summaries import HOSTILE_OUTCOME

NEVER_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "form",
    "meta",
    "base",
    "link",
    "style",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "srcdoc",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
# rel is added to every link by the sanitiser itself.
PERMITTED_ATTRIBUTES = {
    tag: names | ({"rel"} if tag == "a" else set())
    for tag, names in ALLOWED_ATTRIBUTES.items()
}
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}


def unsafe_url(value: str) -> bool:
    """Whether a browser could take value as an address with a scheme other than
    http, https or mailto (entities are already decoded by the parser)."""
    cleaned = "".join(
        ch
        for ch in value
        if not ch.isspace() and unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    match = _SCHEME.match(cleaned.lower())
    return bool(match) and match.group(1) not in SAFE_SCHEMES


def element_findings(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """What is executable or out of bounds about one element of user content."""
    found = []
    if tag in NEVER_TAGS:
        found.append(f"<{tag}> element")
    elif tag not in ALLOWED_TAGS:
        found.append(f"<{tag}> is not an allowed tag")
    permitted = PERMITTED_ATTRIBUTES.get(tag, set())
    for name, value in attrs:
        if name.startswith("on"):
            found.append(f"<{tag} {name}=…> event handler")
        elif name == "style":
            found.append(f"<{tag} style=…>")
        elif name not in permitted:
            found.append(f"<{tag} {name}=…> is not an allowed attribute")
        if name in URL_ATTRIBUTES and value and unsafe_url(value):
            found.append(f"<{tag} {name}={value[:60]!r}> unsafe address")
    return found


class UserContentChecker(HTMLParser):
    """Collects findings about HTML: all of it, or (within a page) only what is
    inside elements marked data-user-content. Also flags, anywhere on a page, any
    event handler attribute and any script not served from /static/."""

    def __init__(self, *, whole: bool):
        super().__init__(convert_charrefs=True)
        self.whole = whole
        self.open_tags: list[str] = []  # inside a data-user-content element
        self.findings: list[str] = []
        self.regions = 0

    def _check(self, tag, attrs, *, closes: bool) -> None:
        inside = self.whole or bool(self.open_tags)
        if inside:
            self.findings.extend(element_findings(tag, attrs))
        else:
            for name, _ in attrs:
                if name.startswith("on"):
                    self.findings.append(f"page: <{tag} {name}=…> event handler")
            if tag == "script" and not (dict(attrs).get("src") or "").startswith(
                "/static/"
            ):
                self.findings.append("page: inline or foreign <script>")
        if self.whole or closes or tag in _VOID:
            return
        if self.open_tags:
            self.open_tags.append(tag)
        elif any(name == "data-user-content" for name, _ in attrs):
            self.regions += 1
            self.open_tags.append(tag)

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs, closes=False)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs, closes=True)

    def handle_endtag(self, tag):
        if tag in self.open_tags:
            while self.open_tags and self.open_tags.pop() != tag:
                pass


def fragment_findings(html: str) -> list[str]:
    checker = UserContentChecker(whole=True)
    checker.feed(html)
    checker.close()
    return checker.findings


def page_findings(html: str) -> tuple[list[str], int]:
    """Findings inside a page's user content (and page-wide script checks), with
    the number of user-content regions seen."""
    checker = UserContentChecker(whole=False)
    checker.feed(html)
    checker.close()
    return checker.findings, checker.regions


class ReplyFormReader(HTMLParser):
    """The fields a browser would submit from the page's reply form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_form = False
        self.fields: dict[str, str] = {}
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("action", "").endswith("/reply/"):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            name = attributes.get("name")
            if not name or kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.fields[name] = attributes.get("value", default)
        elif tag == "textarea":
            self.textarea = attributes.get("name", "")
            self.text = []

    def handle_data(self, data):
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            value = "".join(self.text)
            # A browser drops one newline right after <textarea>.
            self.fields[self.textarea] = value.removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def reply_form_fields(html: str) -> dict[str, str]:
    reader = ReplyFormReader()
    reader.feed(html)
    reader.close()
    assert "body" in reader.fields, "the page has no reply form"
    return reader.fields


@dataclass
class Outcome:
    posted: bool = False
    intact: bool = False
    findings: list[str] = field(default_factory=list)
    quoted: bool = False
    quote_refused_as_too_long: bool = False
    quote_intact: bool = False
    quote_findings: list[str] = field(default_factory=list)

    @property
    def executable(self) -> bool:
        return bool(self.findings or self.quote_findings)


def submit_reply(client, topic, query: str, body: str | None):
    """Open the reply form (with query), fill in body unless None (keeping what
    the form prefilled), and submit it as the Post button does."""
    url = f"/t/{topic.pk}/reply/"
    page = client.get(url + query)
    assert page.status_code == 200
    html = page.content.decode()
    fields = reply_form_fields(html)
    if body is not None:
        fields["body"] = body
    fields["post"] = "1"
    return html, fields["body"], client.post(url, fields)


def check_page(client, *posts: Post) -> list[str]:
    """Findings on the topic pages that show posts (each page read once)."""
    pages: dict[str, str] = {}
    for post in posts:
        response = client.get(f"/p/{post.pk}/", follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'id="p{post.pk}"' in html, f"post {post.pk} is not on its page"
        pages[response.request["QUERY_STRING"]] = html
    findings = []
    for html in pages.values():
        on_page, regions = page_findings(html)
        assert regions >= 1, "the page shows no user content"
        findings += [f"topic page: {f}" for f in on_page]
    return findings


def new_post(response) -> Post:
    assert response.status_code == 302, response.status_code
    match = re.search(r"/p/(\d+)/", response["Location"])
    assert match, response["Location"]
    return Post.objects.get(pk=int(match.group(1)))


def exercise(client, topic, body: str) -> Outcome:
    """Post body through the reply form, then quote it; check what is stored and
    what readers are sent."""
    outcome = Outcome()
    _, sent, response = submit_reply(client, topic, "", body)
    assert sent == body
    post = new_post(response)
    outcome.posted = True
    outcome.intact = post.body == body
    outcome.findings = [f"body_html: {f}" for f in fragment_findings(post.body_html)]

    form_page, prefilled, response = submit_reply(
        client, topic, f"?parent={post.pk}&quote={post.pk}", None
    )
    on_form, regions = page_findings(form_page)
    assert regions >= 1, "the quote form does not show the quoted post"
    outcome.quote_findings = [f"quote form: {f}" for f in on_form]
    assert prefilled.startswith("> ["), prefilled[:80]
    if len(prefilled) > BODY_MAX:
        # The quote of a body near the limit is itself over it: the form says so
        # and keeps the text; nothing is posted.
        assert response.status_code == 200
        assert "at most 50000 characters" in response.content.decode()
        outcome.quote_refused_as_too_long = True
        outcome.quote_intact = True
        outcome.findings += check_page(client, post)
        return outcome
    quote = new_post(response)
    outcome.quoted = True
    outcome.quote_intact = quote.body == prefilled
    outcome.quote_findings += [
        f"quote body_html: {f}" for f in fragment_findings(quote.body_html)
    ]
    outcome.findings += check_page(client, post, quote)
    return outcome


@pytest.fixture
def hostile_client(client):
    """Signed in as a member whose display name and signature are hostile too."""
    member = UserFactory(display_name=HOSTILE_NAME, signature=HOSTILE_SIGNATURE)
    assert member.display_name == HOSTILE_NAME
    client.force_login(member)
    return client


@pytest.mark.parametrize(
    ("name", "body"), [pytest.param(n, b, id=n) for n, b in CORPUS]
)
def test_hostile_body_is_kept_and_never_runs(
    hostile_client, topic, name, body, record_property
):
    """A hostile body posts through the reply form, is stored unchanged, and
    neither its HTML, its topic page nor a quote of it carries anything that runs.
    (The run ends with a count over the whole corpus: tests/summaries.py.)"""
    outcome = exercise(hostile_client, topic, body)
    record_property(
        HOSTILE_OUTCOME,
        {
            "posted": outcome.posted,
            "intact": outcome.intact and outcome.quote_intact,
            "executable": bool(outcome.findings),
            "quoted": outcome.quoted,
            "too_long": outcome.quote_refused_as_too_long,
            "quote_executable": bool(outcome.quote_findings),
        },
    )

    assert outcome.posted
    assert outcome.quoted or outcome.quote_refused_as_too_long
    assert outcome.intact, "the stored body differs from what was sent"
    assert outcome.quote_intact, "the stored quote differs from the prefilled text"
    assert not outcome.findings, outcome.findings
    assert not outcome.quote_findings, outcome.quote_findings


def test_hostile_corpus_is_broad_and_named_uniquely():
    """The corpus the test above runs through holds at least 120 payloads, each
    under its own name, none over the body limit nor holding a NUL."""
    names = [name for name, _ in CORPUS]
    assert len(CORPUS) >= 120
    assert len(set(names)) == len(names)
    assert all(len(body) <= BODY_MAX and "\0" not in body for _, body in CORPUS)
