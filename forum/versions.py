"""Versions of what pages show: the keys of cached fragments and signed-out pages,
and the ETags browsers revalidate with (docs/performance.md).

Posts, topics and categories each carry a `version` column that every service
bumps with `bump` in the same transaction as its write, so a reader sees either
the old rows and the old version or the new rows and the new one. What many
pages show at once (display names, roles, categories, deleted accounts) is
covered by one site-wide version in the shared cache, bumped by `bump_site`
once the write has committed.
"""

import time
from collections.abc import Iterable

from django.core.cache import caches
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver

from accounts.signals import user_shown_changed

from .models import Category, Post, Topic

SITE_VERSION_KEY = "forum:site-version"


def bump(
    *,
    posts: Iterable[int] = (),
    topics: Iterable[int] = (),
    categories: Iterable[int] = (),
) -> None:
    """Mark these posts, topics and categories (by id) as changed. Call inside
    the writer's transaction: the bump commits or rolls back with the write.
    Rows are updated child first (posts, topics, categories), the order in
    which services lock them."""
    for model, ids in ((Post, posts), (Topic, topics), (Category, categories)):
        ids = sorted({pk for pk in ids if pk is not None})
        if ids:
            model.objects.filter(pk__in=ids).update(version=F("version") + 1)


def _increment_site_version() -> None:
    cache = caches["default"]
    try:
        cache.incr(SITE_VERSION_KEY)
    except ValueError:
        # Missing (never set, evicted, or the cache restarted): start afresh.
        start_new_site_version()


def start_new_site_version() -> None:
    """A site version greater than any before it: after a restore, which may
    have put back an older version (PostgreSQL's cache table is restored with
    the data), with row versions that pages were already cached under."""
    caches["default"].set(SITE_VERSION_KEY, time.time_ns(), timeout=None)


def bump_site() -> None:
    """Mark every page as changed, once the current transaction commits (a
    reader between the bump and the commit would keep old rows under the new
    version). For rare writes that show on many pages: a display name or
    signature, a deleted account, a role, a category."""
    transaction.on_commit(_increment_site_version)


def site_version() -> int:
    """The current site-wide version. A missing value starts at the current
    time in nanoseconds, which no earlier version can equal."""
    cache = caches["default"]
    version = cache.get(SITE_VERSION_KEY)
    if version is None:
        cache.add(SITE_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(SITE_VERSION_KEY)
    return version


@receiver(user_shown_changed)
def _user_shown_changed(**kwargs) -> None:
    bump_site()
