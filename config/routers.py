"""Send reads to a PostgreSQL replica when one is configured (DATABASE_REPLICA_URL).

Writes always go to the primary (``default``). Reads go to the ``replica`` only
while the current context allows it, and it is denied by default: management
commands, background tasks and anything outside a request read the primary.
ReplicaReadsMiddleware allows replica reads for a safe request (GET, HEAD)
unless

* the reader wrote a moment ago: a write request sets a short-lived cookie, so
  the writer's own next pages come from the primary and show what they just
  wrote however far the replica lags;
* the request has written (reads its own writes from then on), or its reads
  run inside a transaction on the primary.

A signed-out page cached from the replica is kept under the versions read from
that same replica (forum.versions): a lagging copy is stored under the old
version's key and never answers for the newer one.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "primary_reads"

_replica_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_allowed", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def in_primary_transaction() -> bool:
    """Inside a transaction on the primary, reads must see what it writes."""
    return connections[PRIMARY].in_atomic_block


@contextmanager
def replica_reads(allowed: bool):
    """Allow (or deny) replica reads within the block."""
    token = _replica_allowed.set(allowed)
    try:
        yield
    finally:
        _replica_allowed.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            replica_configured()
            and _replica_allowed.get()
            and not in_primary_transaction()
        ):
            return REPLICA
        return PRIMARY

    def db_for_write(self, model, **hints):
        # Once a request writes, the rest of it reads its own writes.
        _replica_allowed.set(False)
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Decide, per request, whether reads may go to the replica (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        safe = request.method in ("GET", "HEAD")
        allowed = safe and PIN_COOKIE not in request.COOKIES
        with replica_reads(allowed):
            response = self.get_response(request)
        if not safe and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure(),
            )
        return response
