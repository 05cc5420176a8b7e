"""HTTP caching of the forum's pages (docs/performance.md).

Signed-out readers all see the same page for the same URL, language and thread
view, so such a page is named by an ETag made of the versions of what it shows
(forum.versions): computed before the page is rendered, it answers a repeat
visit with 304, and names the page's body in the "local" cache so that the next
reader with a different browser is served without rendering. Any other reader
(signed in, or carrying a session or messages) gets a page rendered for them,
marked private.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    quote_etag,
)
from django.utils.translation import get_language

from .versions import site_version

VIEW_COOKIE = "thread_view"


def is_shared_request(request) -> bool:
    """A GET or HEAD by a reader with no session and no messages waiting: they
    see what every signed-out reader sees."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def page_etag(request, versions: tuple) -> str:
    """The ETag of a signed-out page: the versions of what it shows, the site's
    version, and what else selects the page (language, thread view, URL)."""
    material = (
        versions,
        site_version(),
        get_language(),
        request.COOKIES.get(VIEW_COOKIE, ""),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    )
    return quote_etag(
        hashlib.blake2b(repr(material).encode(), digest_size=16).hexdigest()
    )


def _kept_page(key: str):
    kept = caches["local"].get(key)
    if kept is None:
        return None
    content, content_type = kept
    response = HttpResponse(content, content_type=content_type)
    # Says where the page came from, for tests and for whoever looks at headers.
    response["X-Page-Cache"] = "hit"
    return response


def _keep_page(key: str, response) -> None:
    if response.status_code == 200 and not response.streaming and not response.cookies:
        caches["local"].set(
            key,
            (response.content, response["Content-Type"]),
            settings.FORUM_LOCAL_CACHE_TIMEOUT,
        )
        response["X-Page-Cache"] = "miss"


def signed_out_cache(versions_of):
    """Decorate a page view: for a signed-out reader, `versions_of(request,
    *args, **kwargs)` returns the versions of what the page shows (read before
    anything else of the page), or None to leave the view to answer (a 404)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            versions = None
            if is_shared_request(request):
                versions = versions_of(request, *args, **kwargs)
            if versions is None:
                response = view(request, *args, **kwargs)
                patch_cache_control(response, private=True, no_cache=True)
                return response
            etag = page_etag(request, versions)
            key = f"page:{etag}"
            response = get_conditional_response(request, etag=etag)
            if response is None:
                response = _kept_page(key)
            if response is None:
                response = view(request, *args, **kwargs)
                _keep_page(key, response)
            if response.status_code in (200, 304):
                response["ETag"] = etag
                # Browsers revalidate every time; a shared proxy may keep it a second.
                patch_cache_control(response, public=True, max_age=0, s_maxage=1)
            patch_vary_headers(response, ("Cookie", "Accept-Language"))
            return response

        return wrapper

    return decorator
