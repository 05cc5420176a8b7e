"""Whole pages for signed-in readers, kept for the same reader, always correct.

A signed-in reader's page is built from cached posts and blocks
(forum.fragments), but assembling it still costs most of a request. When the
same reader asks for the same page again and nothing it shows has changed (a
reload, the back button, returning to a dialogue), the page they were last sent
is served again with a fresh CSRF token and a fresh one-time submission key.

"Nothing it shows has changed" is decided as for signed-out pages
(forum.pagecache): the key holds the site-wide generation, bumped by every write
to a table signed-out pages show, and the *private* generation, bumped by every
write to any other table a page may show to its own reader (read marks,
notifications, watches, the unread count on the user row, reports). Both are
bumped by the database write watcher whichever path made the write, so a
reader's own read mark, a notification created by the background worker for
them, or an unsubscribe link followed from their mailbox all take effect at once.
The rest of the key is the reader, the path with its query, and everything else
a request brings that a page depends on: its language, time zone, thread view
cookie, host and scheme. A request carrying messages to show is never served
from here, nor stored.

The pages live in each process's own memory (CACHES["reader_pages"], bounded),
compressed; the generations are in the shared cache, so a write through one
server is seen at once by all.
"""

from __future__ import annotations

import re
import uuid
import zlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from config import routers

from . import pagecache

CSRF_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')
SUBMISSION_FIELD = re.compile(rb'(name="submission_key" value=")[0-9a-f]{32}(")')
CSRF_HOLE = b"\x00csrf\x00"
SUBMISSION_HOLE = b"\x00submission\x00"
# Response headers a page is served with again (the rest are added per request
# by the middleware around this one).
KEPT_HEADERS = frozenset({"content-type", "content-language", "vary", "cache-control"})


def _key(request, user, shared: int, private: int) -> str:
    material = (
        shared,
        private,
        user.pk,
        request.get_full_path(),
        request.COOKIES.get(pagecache.VIEW_COOKIE, ""),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        request.get_host(),
        request.is_secure(),
    )
    return f"reader:{pagecache.digest(material)}"


def _has_messages(request) -> bool:
    """Whether messages wait to be shown to this reader, or were added now."""
    if request.COOKIES.get("messages"):
        return True
    if getattr(getattr(request, "_messages", None), "_queued_messages", None):
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get("_messages"))


def _pack(response) -> tuple:
    """The page with its per-request values cut out, compressed, and its headers."""
    body = CSRF_FIELD.sub(rb"\1" + CSRF_HOLE + rb"\2", response.content)
    body = SUBMISSION_FIELD.sub(rb"\1" + SUBMISSION_HOLE + rb"\2", body)
    headers = [(k, v) for k, v in response.items() if k.lower() in KEPT_HEADERS]
    return zlib.compress(body, 1), headers


def _unpack(request, stored: tuple) -> HttpResponse:
    body, headers = stored
    body = zlib.decompress(body)
    if CSRF_HOLE in body:
        body = body.replace(CSRF_HOLE, get_token(request).encode())
    if SUBMISSION_HOLE in body:
        # Each hole gets its own key, as each freshly rendered form would.
        parts = body.split(SUBMISSION_HOLE)
        body = parts[0] + b"".join(uuid.uuid4().hex.encode() + p for p in parts[1:])
    response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
    response["X-Reader-Cache"] = "hit"
    return response


class ReaderPageCacheMiddleware:
    """Serve a signed-in reader's GET of the views in FORUM_PAGE_CACHE_VIEWS
    from the page they were last sent, while neither generation changed. Placed
    last, after authentication and the reader's language and time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.method != "GET"
            or not settings.FORUM_READER_PAGE_CACHE_TIMEOUT
            or user is None
            or not user.is_authenticated
            # A suspension ends by the clock: its banner and missing reply form
            # are not kept.
            or user.suspended_until is not None
            or pagecache.view_name_of(request.path_info)
            not in settings.FORUM_PAGE_CACHE_VIEWS
            or _has_messages(request)
        ):
            return self.get_response(request)
        both = pagecache.shared_generations()
        if both is None:
            return self.get_response(request)
        shared, private = both
        store = caches[settings.FORUM_READER_PAGE_CACHE_ALIAS]
        key = _key(request, user, shared, private)
        stored = store.get(key)
        if stored is not None:
            return _unpack(request, stored)
        # Rendered from the primary: a copy from a lagging replica would be kept
        # after the lag is over.
        with routers.replica_reads(False):
            response = self.get_response(request)
        if pagecache.storable(response, shared=False) and not _has_messages(request):
            timeout = settings.FORUM_READER_PAGE_CACHE_TIMEOUT
            store.set(key, _pack(response), pagecache.timeout_for(response, timeout))
        return response
