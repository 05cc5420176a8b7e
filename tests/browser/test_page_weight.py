"""Page weight of the demo's 22-post dialogue, and of a topic with ten photos,
with the production static files.

The static files are collected as in production (whitenoise's compressed,
fingerprinted manifest storage, DEBUG off) and served by whitenoise. The test
fetches the dialogue page and everything it loads (stylesheets, scripts, fonts
and images the stylesheets name), each with ``Accept-Encoding: gzip``, and counts
the bytes that travel:

- first visit: the HTML, compressed as a front server compresses it (gzip level 6,
  as long as the application sends it uncompressed), plus every static file as
  whitenoise serves it (its precompressed ``.gz``);
- repeat visit: the static files are fingerprinted and sent with a far-future,
  immutable Cache-Control, so the browser reuses them without asking; only the
  HTML travels again.

The figures are printed at the end of the pytest run (see conftest.py).
"""

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from attachments.models import Attachment
from demo.seed import seed_demo
from forum.models import Topic
from tests.factories import TopicFactory, UserFactory

from .photos import photo_bytes

FIRST_VISIT_LIMIT = 60 * 1024
REPEAT_VISIT_LIMIT = 25 * 1024
YEAR = 365 * 24 * 3600
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
FINGERPRINT = re.compile(r"\.[0-9a-f]{12}\.\w+$")


class _Assets(HTMLParser):
    """The static resources a page makes the browser fetch."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        rel = set((attrs.get("rel") or "").split())
        if tag == "link" and rel & {"stylesheet", "preload", "modulepreload"}:
            self.urls.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.urls.append(attrs["src"])


# What a page weighs does not depend on the database: measured once, in the
# SQLite run.
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="page weight: runs with the SQLite suite"
)


@pytest.fixture
def production_static(settings, tmp_path):
    """Static files collected and served as in production."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATICFILES_FINDERS = [
        "django.contrib.staticfiles.finders.FileSystemFinder"
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def _fetch(client: Client, url: str):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, (url, response.status_code)
    body = (
        b"".join(response.streaming_content)
        if response.streaming
        else (response.content)
    )
    return response, body


def _static_files(client: Client, html: str) -> dict[str, tuple[int, str]]:
    """Each static file the page loads: (bytes transferred, Cache-Control)."""
    parser = _Assets()
    parser.feed(html)
    pending, seen = list(parser.urls), {}
    while pending:
        url = pending.pop()
        if url in seen or url.startswith("data:"):
            continue
        assert urlsplit(url).netloc == "", f"a resource from another site: {url}"
        response, body = _fetch(client, url)
        seen[url] = (len(body), response.get("Cache-Control", ""))
        if url.endswith((".css", ".js")):
            assert response.get("Content-Encoding") == "gzip", f"{url} uncompressed"
        if url.endswith(".css"):
            text = gzip.decompress(body) if response.get("Content-Encoding") else body
            pending += [urljoin(url, u) for u in CSS_URL.findall(text.decode())]
    return seen


def _weigh(client: Client, path: str) -> dict:
    response, html = _fetch(client, path)
    if response.get("Content-Encoding") == "gzip":  # compressed by the application
        html_gzip, html = len(html), gzip.decompress(html)
    else:
        html_gzip = len(gzip.compress(html, compresslevel=6, mtime=0))
    statics = _static_files(client, html.decode())
    static_bytes = sum(size for size, _ in statics.values())
    return {
        "html_raw": len(html),
        "html_gzip": html_gzip,
        "statics": statics,
        "first": html_gzip + static_bytes,
        "repeat": html_gzip,
    }


def _line(who: str, weight: dict) -> str:
    files = ", ".join(
        f"{url.rsplit('/', 1)[-1]} {size / 1024:.1f} KB"
        for url, (size, _) in sorted(weight["statics"].items())
    )
    return (
        f"{who}: first visit {weight['first'] / 1024:.1f} KB, repeat visit "
        f"{weight['repeat'] / 1024:.1f} KB (HTML {weight['html_raw'] / 1024:.1f} KB, "
        f"{weight['html_gzip'] / 1024:.1f} KB gzipped; {files})"
    )


@pytest.mark.django_db
def test_demo_dialogue_page_weight(production_static, record_property):
    """Under 60 KB on a first visit, under 25 KB on a repeat visit."""
    assert seed_demo()
    topic = Topic.objects.get(category__slug="dialogues", is_locked=True)
    assert topic.post_count == 22
    path = topic.get_absolute_url()

    visitor = _weigh(Client(), path)
    member = Client()
    member.login(username="participant", password="participant-demo-pass")
    participant = _weigh(member, path)

    lines = [_line("visitor", visitor), _line("participant", participant)]
    record_property("page_weight", lines)
    for weight in (visitor, participant):
        assert weight["statics"], "the page loads no stylesheet or script"
        for url, (_size, cache_control) in weight["statics"].items():
            assert FINGERPRINT.search(url), f"{url} is not fingerprinted"
            max_age = re.search(r"max-age=(\d+)", cache_control)
            assert max_age and int(max_age.group(1)) >= YEAR, (url, cache_control)
            assert "immutable" in cache_control, (url, cache_control)
        assert weight["first"] < FIRST_VISIT_LIMIT, lines
        assert weight["repeat"] < REPEAT_VISIT_LIMIT, lines


PHOTO_TOPIC_LIMIT = 200 * 1024
PHOTOS = 10


def _photo_topic(client: Client) -> str:
    """A topic whose replies carry ten phone-sized photos (2400 x 1600 JPEG),
    each uploaded and posted through the forms as the page's script does."""
    topic = TopicFactory(title="The market, photographed")
    author = UserFactory(display_name="Ines Duarte")
    User.objects.filter(pk=author.pk).update(named_in_exports=True)
    client.force_login(author)
    for n in range(0, PHOTOS, 2):
        markdown = []
        for seed in (n, n + 1):
            upload = SimpleUploadedFile(
                f"IMG_{seed:04}.jpg", photo_bytes((2400, 1600), seed=seed), "image/jpeg"
            )
            answer = client.post(
                reverse("forum:upload"),
                {
                    "kind": "reply",
                    "target": topic.pk,
                    "description": f"The market seen from stall {seed}",
                    "attachment": upload,
                },
                HTTP_ACCEPT="application/json",
            )
            assert answer.status_code == 201, answer.content
            markdown.append(answer.json()["markdown"])
        posted = client.post(
            reverse("forum:reply", args=[topic.pk]),
            {
                "subject": "",
                "body": f"Two more from the market.\n\n{markdown[0]}\n\n{markdown[1]}",
                "submission_key": f"photos-{n}",
                "post": "1",
            },
        )
        assert posted.status_code == 302
    return topic.get_absolute_url()


def _photo_line(who: str, weight: dict) -> str:
    thumbnails = [
        size for url, (size, _) in weight["statics"].items() if url.startswith("/a/")
    ]
    code = sum(size for size, _ in weight["statics"].values()) - sum(thumbnails)
    return (
        f"topic with {len(thumbnails)} photos, {who}: first visit "
        f"{weight['first'] / 1024:.1f} KB (HTML {weight['html_gzip'] / 1024:.1f} KB "
        f"gzipped, CSS and JS {code / 1024:.1f} KB, thumbnails "
        f"{sum(thumbnails) / 1024:.1f} KB, the largest {max(thumbnails) / 1024:.1f} KB)"
    )


@pytest.mark.django_db
def test_topic_with_ten_photos_page_weight(production_static, record_property):
    """Under 200 KB on a first visit, counting every thumbnail as if the reader
    scrolled to the bottom (the page lazy-loads them: the worst case)."""
    path = _photo_topic(Client())
    assert Attachment.objects.filter(post__isnull=False).count() == PHOTOS

    visitor = _weigh(Client(), path)
    lines = [_photo_line("visitor", visitor)]
    record_property("page_weight", lines)
    thumbnails = [url for url in visitor["statics"] if url.startswith("/a/")]
    assert len(thumbnails) == PHOTOS, thumbnails
    assert visitor["first"] < PHOTO_TOPIC_LIMIT, lines
