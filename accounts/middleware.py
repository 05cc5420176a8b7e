"""Who the reader is, and their own language and time zone for every page.

CachedAuthenticationMiddleware stands in for Django's AuthenticationMiddleware:
the same user, from this process's memory while nothing in their row changed
(cached_get_user below).

UserPreferencesMiddleware sits after it (and LocaleMiddleware, which has chosen from
the language cookie or the browser's Accept-Language by then): a user's saved
language wins over both, and their time zone is used for every time shown.
Signed-out readers keep the browser's language and the site's TIME_ZONE; their
pages are cached by forum.pagecache, keyed by that language, before this runs.
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user,
)
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import caches
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from config import routers
from forum import pagecache


def user_time_zone(user) -> zoneinfo.ZoneInfo | None:
    """The user's time zone, or None if unset or unknown on this system."""
    name = getattr(user, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def user_language(user) -> str | None:
    """The user's saved language if it is one the site offers, else None."""
    code = getattr(user, "language", "") or ""
    return code if code and translation.check_for_language(code) else None


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            timezone.deactivate()
            return self.get_response(request)
        language = user_language(user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = user_time_zone(user)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def cached_get_user(request):
    """django.contrib.auth.get_user, with the user row kept in this process's
    memory under the page cache's generations: every write to the user row (or
    to their groups and permissions) bumps one of them, so a kept copy is never
    stale. A kept user is returned only when the session's hash verifies against
    it, as Django verifies; anything else (no session, an unknown backend, a
    changed password, an old secret) goes through Django's own get_user."""
    session = request.session
    user_id = session.get(SESSION_KEY)
    backend_path = session.get(BACKEND_SESSION_KEY)
    session_hash = session.get(HASH_SESSION_KEY)
    both = pagecache.shared_generations()
    if (
        both is None
        or not (user_id and backend_path and session_hash)
        or backend_path not in settings.AUTHENTICATION_BACKENDS
    ):
        return get_user(request)
    store = caches[settings.FORUM_READER_PAGE_CACHE_ALIAS]
    key = f"user:{pagecache.digest((both, backend_path, str(user_id)))}"
    user = store.get(key)
    if user is not None and constant_time_compare(
        session_hash, user.get_session_auth_hash()
    ):
        return user
    # Read from the primary: a row from a lagging replica would be kept under
    # generations that already count the change it lacks.
    with routers.replica_reads(False):
        user = get_user(request)
    if user.is_authenticated and str(user.pk) == str(user_id):
        store.set(key, user, settings.FORUM_READER_PAGE_CACHE_TIMEOUT)
    return user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """AuthenticationMiddleware, loading the user through cached_get_user."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: cached_get_user(request))
