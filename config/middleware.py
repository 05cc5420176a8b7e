"""Answer a styled 503 page while the database cannot be reached.

DatabaseUnavailableMiddleware sits first in MIDDLEWARE. A database error that
means "no database" (Django's OperationalError or InterfaceError, or the driver's
own, however deep below it is raised) becomes the 503 page instead of a 500 or a
traceback, and the broken connection is dropped so the next request connects
afresh: when the database comes back, the site recovers without a restart.

Django turns an exception into a response at every middleware layer, so it is
caught in three ways:

* process_exception: raised by a view (the usual case: the session, the user, the
  page's queries are all first touched there);
* the got_request_exception signal: raised by another middleware (e.g. the
  session saved on the way out); the receiver marks the request and the 500
  response that comes back up is replaced;
* a plain try/except around the rest of the chain, for anything that still
  escapes.

A form sent while the database is down (a reply, a new topic, an edit) is not
lost from the writer's view: the page shows the text back, escaped, to copy.
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger("config.database")

RETRY_AFTER_SECONDS = 30
TEXT_FIELDS = ("title", "subject", "body")
_MARK = "_database_unavailable"


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The DB-API OperationalError/InterfaceError classes of the configured
    backends, for errors raised by a driver without Django's wrapping."""
    errors: list[type[BaseException]] = []
    for alias in connections:
        database = getattr(connections[alias], "Database", None)
        for name in ("OperationalError", "InterfaceError"):
            error = getattr(database, name, None)
            if isinstance(error, type) and issubclass(error, BaseException):
                errors.append(error)
    return tuple(errors)


def is_database_unavailable(exception: BaseException | None) -> bool:
    """Whether exception (or an exception it was raised from) means the database
    cannot be used right now."""
    known = (OperationalError, InterfaceError, *_driver_errors())
    seen = 0
    while exception is not None and seen < 10:
        if isinstance(exception, known):
            return True
        exception = exception.__cause__
        seen += 1
    return False


def drop_broken_connections() -> None:
    """Close the connections that can no longer be used, so that the next query
    connects afresh. A connection inside an atomic block is left to its owner
    (closing it there would only mark the block for rollback)."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        try:
            connection.close_if_unusable_or_obsolete()
        except Exception:
            # The health check itself may fail on a dead connection.
            try:
                connection.close()
            except Exception:
                connection.connection = None


def _submitted_text(request) -> dict[str, str]:
    """The title, subject and body of a form that was posted, if any."""
    if request.method != "POST":
        return {}
    try:
        data = request.POST
    except Exception:  # an unreadable or oversized body
        return {}
    if not data.get("body"):
        return {}
    return {name: data.get(name, "") for name in TEXT_FIELDS}


def unavailable_response(request) -> HttpResponse:
    """The self-contained 503 page: no database, no context processors."""
    submitted = _submitted_text(request)
    try:
        again = request.get_full_path()
    except Exception:
        again = "/"
    # Made before the language middleware runs: the reader's language (cookie or
    # Accept-Language; a signed-in user's saved one needs the database).
    try:
        language = translation.get_language_from_request(request)
    except Exception:
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        content = render_to_string(
            "503.html",
            {
                "submitted": submitted,
                "try_again_url": again,
                "retry_after": RETRY_AFTER_SECONDS,
            },
        )
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # The page may be made outside the other middleware: set its own headers.
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    return response


def _note_exception(sender, request=None, **kwargs):
    """got_request_exception receiver: mark requests whose failure was the
    database's, for the middleware to answer 503 instead of 500."""
    exception = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exception):
        setattr(request, _MARK, exception)


got_request_exception.connect(_note_exception, dispatch_uid="database_unavailable")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except Exception as exception:
            if not is_database_unavailable(exception):
                raise
            return self._unavailable(request, exception)
        exception = getattr(request, _MARK, None)
        if exception is not None and response.status_code >= 500:
            return self._unavailable(request, exception)
        return response

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        return self._unavailable(request, exception)

    def _unavailable(self, request, exception) -> HttpResponse:
        logger.warning(
            "Database unavailable (%s: %s) for %s %s",
            type(exception).__name__,
            str(exception).strip().splitlines()[0] if str(exception).strip() else "",
            request.method,
            request.path,
        )
        drop_broken_connections()
        return unavailable_response(request)
