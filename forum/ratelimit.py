"""Limits on how often one person or address may do something (post, report,
search), counted in the database so that they hold across every server process
and machine, whatever the cache is (docs/architecture.md, "Rate limits")."""

import math
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.db import IntegrityError, router, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import RateLimit

# At most this many expired rows are deleted each time a new key is counted.
CLEAN_BATCH = 500


@dataclass(frozen=True)
class Limit:
    key: str
    limit: int
    window: int  # seconds, from the window's first allowed attempt


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # Seconds until the next attempt can be allowed (0 when this one was).
    retry_after: int = 0


def allow(*limits: Limit) -> Decision:
    """Count one attempt against every limit, or against none: when one limit is
    reached, nothing is counted and the decision says how long to wait."""
    now = timezone.now()
    if len(limits) == 1:
        decision, new_key = _count_all(limits, now)
    else:
        with transaction.atomic():
            decision, new_key = _count_all(limits, now)
            if not decision.allowed:
                transaction.set_rollback(True)
    if new_key:
        _delete_expired(now)
    return decision


def _count_all(limits, now) -> tuple[Decision, bool]:
    """The decision, and whether a key was counted for the first time. Several
    limits need the caller's transaction, so that a refusal undoes the others."""
    new_key = False
    reached = []
    for limit in limits:
        counted, created = _count(limit, now)
        new_key = new_key or created
        if not counted:
            reached.append(limit)
    if not reached:
        return Decision(True), new_key
    # The longest wait: the next attempt must pass every limit.
    return Decision(False, max(_seconds_left(limit) for limit in reached)), new_key


def _count(limit: Limit, now) -> tuple[bool, bool]:
    """One conditional UPDATE, atomic on every database: PostgreSQL re-reads the
    row after waiting for its lock, SQLite runs one writer at a time. A key seen
    for the first time is inserted already counted, with its window: a row
    without a window would let requests whose clocks read a little earlier and
    a little later each start one, counting an attempt twice."""
    for _attempt in range(3):
        expired = Q(resets_at__lte=now)
        counted = (
            RateLimit.objects.filter(key=limit.key)
            .filter(expired | Q(hits__lt=limit.limit))
            .update(
                hits=Case(When(expired, then=Value(1)), default=F("hits") + 1),
                resets_at=Case(
                    When(expired, then=Value(now + timedelta(seconds=limit.window))),
                    default=F("resets_at"),
                ),
            )
        )
        if counted:
            return True, False
        if _on_primary().filter(key=limit.key).exists():
            return False, False
        try:
            with transaction.atomic():
                RateLimit.objects.create(
                    key=limit.key,
                    hits=1,
                    resets_at=now + timedelta(seconds=limit.window),
                )
        except IntegrityError:
            continue  # another request inserted it first: count against theirs
        return True, True
    return False, False


def _on_primary():
    """The rows where they are counted: a replica may not have them yet."""
    return RateLimit.objects.db_manager(router.db_for_write(RateLimit))


def _seconds_left(limit: Limit) -> int:
    """From now, not from when this request began: a request that began earlier
    may find a window that a later one opened (and servers' clocks may differ
    a little), so the wait is also never longer than the window."""
    resets_at = (
        _on_primary().filter(key=limit.key).values_list("resets_at", flat=True).first()
    )
    if resets_at is None:
        return 1
    left = math.ceil((resets_at - timezone.now()).total_seconds())
    return min(limit.window, max(1, left))


def _delete_expired(now) -> None:
    """Drop rows whose window has passed, skipping any another request holds, so
    that two clean-ups never wait for each other."""
    with transaction.atomic():
        stale = list(
            RateLimit.objects.select_for_update(skip_locked=True)
            .filter(resets_at__lt=now)
            .values_list("key", flat=True)[:CLEAN_BATCH]
        )
        if stale:
            RateLimit.objects.filter(key__in=stale, resets_at__lt=now).delete()


def client_ip(request) -> str:
    """The client's address, as allauth's limits see it: X-Forwarded-For is read
    only as far as the configured trusted proxies (ALLAUTH_TRUSTED_PROXY_COUNT)."""
    return get_adapter(request).get_client_ip(request)


def wait_in_words(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {
            "count": seconds
        }
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }


def refused(response: HttpResponse, refusal: Decision | None) -> HttpResponse:
    """Mark a response as a limit's refusal: 429, with Retry-After (unchanged when
    there was no refusal)."""
    if refusal is None:
        return response
    response.status_code = 429
    response["Retry-After"] = str(refusal.retry_after)
    add_never_cache_headers(response)
    return response


def refusal_page(request, refusal: Decision, message: str = "") -> HttpResponse:
    """The 429 page, saying in words when to try again."""
    message = message or _("You can try again in %(wait)s.") % {
        "wait": wait_in_words(refusal.retry_after)
    }
    return refused(render(request, "429.html", {"message": message}), refusal)


def limit_posts_per_client(*, name: str, limit_setting: str, window: int):
    """Decorate a view: at most settings.<limit_setting> POSTs per `window`
    seconds from one client address, else the 429 page. For views the site does
    not write, such as allauth's sign-up, whose own limits keep one window per
    page."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method == "POST":
                limit = getattr(settings, limit_setting)
                decision = allow(Limit(f"{name}:{client_ip(request)}", limit, window))
                if not decision.allowed:
                    return refusal_page(request, decision)
            return view(request, *args, **kwargs)

        return limited

    return decorate
