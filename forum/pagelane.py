"""Signed-out pages served again before Django, as they were sent.

The page cache (forum/pagecache.py) keeps signed-out pages, but serving one still
costs Django's request handling and the middleware in front of the cache. This
WSGI wrapper (config/wsgi.py) keeps, in each server process, the exact answer
(status line, headers, body) Django gave to a signed-out GET that the page cache
served or stored, and gives it again to the same request for as long as that
page cache entry stands: under the same generation (so no change since, whoever
made it), and not past the time the page was to be kept until.

The same request means the same method, path, query string, host, port, scheme
(and the proxy's forwarded ones) and Accept-Language, and cookies that are only
the thread view and the language (each with the same value): any other cookie (a
session, the messages, the replica pin, the CSRF token) goes through Django as
before. The answer is whatever Django and every middleware made of such a
request, so there is nothing to reproduce by hand.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.http.cookie import parse_cookie

from config import routers
from forum import pagecache

# Per server process; a page of the demo dialogue is about 48 KB.
MAX_BYTES = 32 * 1024 * 1024
KEY_ENVIRON = (
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_ACCEPT_LANGUAGE",
)


class KeptPages:
    """The answers, for one generation at a time, least recently used first out
    once they pass max_bytes."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self.lock = threading.Lock()  # the development server runs threads
        self.generation = None
        self.size = 0
        self.entries: OrderedDict[tuple, tuple[float, str, list, bytes]] = OrderedDict()

    def get(self, generation: int, key: tuple):
        with self.lock:
            if generation != self.generation:
                return None
            entry = self.entries.get(key)
            if entry is None:
                return None
            if time.time() >= entry[0]:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, generation: int, key: tuple, entry) -> None:
        with self.lock:
            if generation != self.generation:
                self.entries.clear()
                self.size = 0
                self.generation = generation
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry[3])
            while self.size > self.max_bytes and self.entries:
                self._drop(next(iter(self.entries)))

    def _drop(self, key) -> None:
        self.size -= len(self.entries.pop(key)[3])


def request_key(environ) -> tuple | None:
    """What names a request whose answer may be given again, or None."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    view = language = ""
    cookie = environ.get("HTTP_COOKIE")
    if cookie:
        cookies = parse_cookie(cookie)
        view = cookies.pop(pagecache.VIEW_COOKIE, "")
        language = cookies.pop(settings.LANGUAGE_COOKIE_NAME, "")
        if cookies:
            return None
    return (view, language, *(environ.get(name, "") for name in KEY_ENVIRON))


class PageLane:
    """WSGI middleware around Django's application (see the module's docstring)."""

    def __init__(self, application, max_bytes: int = MAX_BYTES):
        self.application = application
        self.kept = KeptPages(max_bytes)

    def __call__(self, environ, start_response):
        key = request_key(environ)
        if (
            key is None
            or not settings.FORUM_PAGE_CACHE_TIMEOUT
            or pagecache.view_name_of(environ.get("PATH_INFO", ""))
            not in settings.FORUM_PAGE_CACHE_VIEWS
            or routers.in_primary_transaction()
        ):
            return self.application(environ, start_response)
        both = pagecache.generations()
        if both is not None:
            entry = self.kept.get(both[0], key)
            if entry is not None:
                # A copy: a server may add to the list it is given.
                start_response(entry[1], list(entry[2]))
                return [entry[3]]
        sent = []

        def recording_start_response(status, headers, exc_info=None):
            sent[:] = [status, list(headers)]
            if exc_info is None:
                return start_response(status, headers)
            return start_response(status, headers, exc_info)

        # Django's page cache uses the generations just read.
        with pagecache.generations_known(both):
            response = self.application(environ, recording_start_response)
        generation = getattr(response, "page_generation", None)
        expires = getattr(response, "page_expires", None)
        if (
            generation is not None
            and expires is not None
            and sent
            and sent[0].startswith("200 ")
            and not getattr(response, "streaming", True)
            and not any(name.lower() == "set-cookie" for name, _ in sent[1])
        ):
            headers = [
                (name, "hit" if name == "X-Page-Cache" else value)
                for name, value in sent[1]
            ]
            entry = (expires, sent[0], headers, response.content)
            self.kept.put(generation, key, entry)
        return response
