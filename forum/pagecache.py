"""Whole-page cache for signed-out readers, always correct.

Every cached page is keyed by a site-wide *generation* number kept in the shared
cache (``default``: Redis or the database in production, local memory on the
embedded default), so the page bodies themselves may live in each server
process's own memory (the ``pages`` cache): once the generation changes, no
process can serve an older page.

The generation changes with every write to a table whose rows appear on a
signed-out page, whichever path made it (a view, the admin, a management
command, a background task, a dialogue locking itself at its closing time): a
wrapper on every database connection watches the statements and bumps once the
write is committed. A request served while its connection is inside a
transaction (never the case for a request in production; always for a test run
inside one) bypasses the cache, since it may see rows not yet committed.
Bumping the whole site rather than single pages keeps the rule simple enough to
be right: a display-name change touches every page its author posted on.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import get_language_from_request

from config import routers

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Bumped by writes to every other table a page may show to its own reader (read
# marks, notifications, watches, the per-user columns): see forum.readercache.
PRIVATE_GENERATION_KEY = "pagecache:private-generation"
VIEW_COOKIE = "thread_view"
VIEWS = frozenset({"threaded", "flat"})
# Tables whose rows show on signed-out pages; writes to them bump.
SHOWN_TABLES = re.compile(r"(forum_|accounts_user\b|moderation_facilitator\b)")
# Per-reader or private rows inside those prefixes: read marks, notifications,
# watches, preferences.
PRIVATE_TABLES = re.compile(r"forum_(topicread|notification|watch)")
# SQLite spells an INSERT that skips conflicts "INSERT OR IGNORE INTO".
WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I
)
# Per-user columns no page shows (the sign-in time, the unread notifications
# count kept for the header), when a statement sets only one of them.
PRIVATE_USER_COLUMN = re.compile(
    r'\s*UPDATE\s+"?accounts_user"?\s+SET\s+"?(?:last_login|unread_notifications)"?'
    r"\s*=[^,]*\sWHERE\s",
    re.I,
)
# Tables no page shows (sessions, the database cache, queued tasks): writes to
# them bump neither generation.
UNSHOWN_TABLES = re.compile(r"(django_session|django_cache|django_tasks)")
# The generations read once per request (set up by the middleware below): a box
# holding them, emptied by bump() so a request reads its own writes.
_request_generation: ContextVar[list | None] = ContextVar(
    "pagecache_generation", default=None
)


def _shared():
    return caches["default"]


def generations() -> tuple[int, int] | None:
    """The current site-wide and private generations (each created on first
    use), in one round trip; None when the shared cache cannot be reached, and
    pages are then not cached."""
    cache = _shared()
    keys = (GENERATION_KEY, PRIVATE_GENERATION_KEY)
    try:
        # Redis: from this process's memory while Redis reports no change to
        # them (config.cache.WatchedKeys), with no round trip.
        watched = getattr(cache, "get_many_watched", None)
        values = None if watched is None else watched(keys)
        if values is not None and len(values) == len(keys):
            return values[GENERATION_KEY], values[PRIVATE_GENERATION_KEY]
        values = cache.get_many(keys)
        if len(values) < len(keys):
            # First use, or a key was lost: a time-based start can never equal
            # an earlier generation, whose pages may still sit in some process.
            # add() keeps a concurrent first bump.
            for key in keys:
                if key not in values:
                    cache.add(key, time.time_ns(), timeout=None)
            values = cache.get_many(keys)
        return values[GENERATION_KEY], values[PRIVATE_GENERATION_KEY]
    except Exception:
        logger.warning("page cache: generation unavailable")
        return None


def generation() -> int | None:
    """The current site-wide generation (see generations)."""
    both = generations()
    return None if both is None else both[0]


def request_generations() -> tuple[int, int] | None:
    """generations(), read once per request."""
    box = _request_generation.get()
    if box is None:
        return generations()
    if box[0] is None:
        box[0] = generations()
    return box[0]


@contextmanager
def generations_known(both: tuple[int, int] | None):
    """Within, request_generations() answers `both`, which the caller has just
    read (None: not read yet), until a bump makes it read them again."""
    token = _request_generation.set([both])
    try:
        yield
    finally:
        _request_generation.reset(token)


def bump(key: str = GENERATION_KEY) -> None:
    """Invalidate every cached page, at once, for every server process."""
    box = _request_generation.get()
    if box is not None:
        box[0] = None
    cache = _shared()
    try:
        try:
            cache.incr(key)
        except ValueError:
            # Missing (first write, or lost): time-based, as in generation().
            cache.set(key, time.time_ns(), timeout=None)
    except Exception:
        # No shared cache (e.g. its table not made yet during the first migrate):
        # nothing can be served from the page cache either, see generation().
        logger.warning("page cache: could not bump the generation")


def bump_private() -> None:
    """Invalidate every signed-in reader's cached pages (forum.readercache)."""
    bump(PRIVATE_GENERATION_KEY)


@lru_cache(maxsize=4096)
def view_name_of(path: str) -> str | None:
    """The URL name a path resolves to (the URLconf does not change at run time)."""
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


@lru_cache(maxsize=256)
def _language(cookie: str, accept_language: str) -> str:
    """The language LocaleMiddleware will choose for this cookie and header."""
    request = HttpRequest()
    if cookie:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
    if accept_language:
        request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return get_language_from_request(request) or ""


def digest(material) -> str:
    """A short stable name for a key made of plain values (their repr)."""
    return hashlib.blake2b(repr(material).encode(), digest_size=16).hexdigest()


def _page_key(request, generation_number: int) -> str:
    view = request.COOKIES.get(VIEW_COOKIE, "")
    parts = "|".join(
        [
            request.get_full_path(),
            view if view in VIEWS else "",
            _language(
                request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, ""),
                request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
            ),
            request.get_host(),
            "https" if request.is_secure() else "http",
        ]
    )
    return f"page:{generation_number}:{digest(parts)}"


def _is_anonymous_reader(request) -> bool:
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def storable(response, *, shared: bool = True) -> bool:
    """Whether a rendered page may be kept: for every reader (shared), or for
    the reader it was rendered for."""
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and getattr(response, "page_cache_timeout", None) != 0
        and not (shared and "private" in control)
        and "no-store" not in control
    )


def timeout_for(response, longest: int) -> int:
    """How long to keep a page: at most `longest`, and no longer than the view
    says it stays right (page_cache_timeout, e.g. until a dialogue's phase
    changes)."""
    until = getattr(response, "page_cache_timeout", None)
    return longest if until is None else min(longest, until)


def bump_for(sql: str):
    """Which generation a SQL statement's write changes: bump (rows signed-out
    pages show), bump_private (rows shown only to their own reader, or not at all
    but perhaps soon), or None (not a write, or to a table no page shows)."""
    match = WRITE.match(sql)
    if match is None:
        return None
    table = match.group(1).lower()
    if (
        SHOWN_TABLES.match(table) is not None
        and PRIVATE_TABLES.match(table) is None
        and PRIVATE_USER_COLUMN.match(sql) is None
    ):
        return bump
    if UNSHOWN_TABLES.match(table) is not None:
        return None
    return bump_private


def changes_shown_rows(sql: str) -> bool:
    """Whether this SQL statement writes rows that signed-out pages show."""
    return bump_for(sql) is bump


def watch_writes(execute, sql, params, many, context):
    """Database execute wrapper: bump after writes to shown rows (or private
    ones), at once in autocommit mode, else when the outermost transaction
    commits."""
    result = execute(sql, params, many, context)
    callback = bump_for(sql)
    if callback is not None:
        connection = context["connection"]
        if not connection.in_atomic_block:
            callback()
        elif not any(entry[1] is callback for entry in connection.run_on_commit):
            # Once per transaction: a rolled-back savepoint takes its callbacks
            # with it, so a later write registers again.
            transaction.on_commit(callback, using=connection.alias)
    return result


def install(*, connection, **kwargs) -> None:
    """Add the write watcher to a new database connection (connection_created)."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)


class AnonymousPageCacheMiddleware:
    """Serve signed-out GETs of the views in FORUM_PAGE_CACHE_VIEWS from the page
    cache. Placed before the session and authentication middleware: a request
    without a session cookie is signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _request_generation.get() is not None:
            return self._respond(request)  # forum.pagelane read them already
        with generations_known(None):
            return self._respond(request)

    def _respond(self, request):
        if (
            not settings.FORUM_PAGE_CACHE_TIMEOUT
            or not _is_anonymous_reader(request)
            or routers.in_primary_transaction()
        ):
            return self.get_response(request)
        if view_name_of(request.path_info) not in settings.FORUM_PAGE_CACHE_VIEWS:
            return self.get_response(request)
        both = request_generations()
        if both is None:
            return self.get_response(request)
        number = both[0]
        pages = caches[settings.FORUM_PAGE_CACHE_ALIAS]
        key = _page_key(request, number)
        cached = pages.get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            cached.page_generation = number
            return cached
        # Rendered from the primary: a copy from a lagging replica would be
        # shared long after the lag is over.
        with routers.replica_reads(False):
            response = self.get_response(request)
        if storable(response):
            timeout = timeout_for(response, settings.FORUM_PAGE_CACHE_TIMEOUT)
            # Kept with the page: until when it stays right, for forum.pagelane.
            response.page_expires = time.time() + timeout
            pages.set(key, response, timeout)
            response["X-Page-Cache"] = "miss"
            response.page_generation = number
        return response


def shared_generations() -> tuple[int, int] | None:
    """The generations shared reads, shared fragments and readers' pages are
    kept under; None inside a transaction or without the shared cache (then
    nothing is kept)."""
    if not settings.FORUM_PAGE_CACHE_TIMEOUT or routers.in_primary_transaction():
        return None
    return request_generations()


def shared_generation() -> int | None:
    """The site-wide one of shared_generations()."""
    both = shared_generations()
    return None if both is None else both[0]


def shared_reads(reads: dict) -> dict:
    """Results of reads every reader shares (a topic page's posts, its prompts),
    from this process's memory while the generation is unchanged: the same rule
    that keeps signed-out pages right keeps these right for signed-in pages.
    `reads` maps a key (a tuple naming the read and its arguments) to a function
    computing it; returns key -> result. Computed directly inside a transaction
    or without the shared cache."""
    number = shared_generation()
    if number is None:
        return {key: compute() for key, compute in reads.items()}
    store = caches[settings.FORUM_PAGE_CACHE_ALIAS]
    names = {key: f"shared:{number}:{digest(key)}" for key in reads}
    found = store.get_many(names.values())
    results, missing = {}, {}
    for key, compute in reads.items():
        name = names[key]
        if name in found:
            results[key] = found[name]
        else:
            # Read from the primary, like a page that is about to be shared.
            with routers.replica_reads(False):
                results[key] = missing[name] = compute()
    if missing:
        store.set_many(missing, settings.FORUM_PAGE_CACHE_TIMEOUT)
    return results
