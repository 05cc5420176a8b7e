"""/healthz: whether this app server can do its work, for the proxy and monitors.

Three checks, each cheap: the database answers a query, the shared cache keeps
what is put in it, and no task has waited in the queue longer than
HEALTH_QUEUE_MAX_AGE_MINUTES (a task ready that long means no worker runs). 200
when all pass, else 503; the body says which failed. The view reads no session
and sets no cookie, so a probe every few seconds costs three small round trips.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.db.models import Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger("config.health")


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    cache = caches["default"]
    token = secrets.token_hex(8)
    cache.set("healthz", token, 30)
    return "ok" if cache.get("healthz") == token else "the cache lost a value"


def check_queue() -> str:
    minutes = settings.HEALTH_QUEUE_MAX_AGE_MINUTES
    cutoff = timezone.now() - timedelta(minutes=minutes)
    # Ready since before the cutoff: queued then, and not deferred past it
    # (a task with no run_after carries the backend's far-future marker).
    stale = (
        DBTaskResult.objects.ready()
        .filter(enqueued_at__lte=cutoff)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=cutoff))
    )
    if stale.exists():
        return f"a task has waited over {minutes} minutes: is the worker running?"
    return "ok"


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:
            logger.warning("Health check %s failed: %r", name, error)
            results[name] = f"failed: {type(error).__name__}"
    healthy = all(result == "ok" for result in results.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": results},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
