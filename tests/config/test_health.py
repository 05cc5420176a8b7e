"""/healthz: database, shared cache and task queue, for the proxy and monitors."""

import json
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


def queued_task(*, waited: timedelta, run_after=None) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        task_path="notifications.tasks.send_digests",
        queue_name="default",
        backend_name="default",
        priority=0,
        args_kwargs={"args": [], "kwargs": {}},
        **({"run_after": run_after} if run_after else {}),
    )
    # enqueued_at is set on creation; move it back as if the task had waited.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def health(client):
    response = client.get("/healthz")
    return response, json.loads(response.content)


def test_healthy_site_answers_200_with_each_check(client):
    """All checks pass: 200, a JSON body naming each, never cached, no cookie."""
    queued_task(waited=timedelta(seconds=5))
    response, body = health(client)
    assert response.status_code == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_a_stale_queue_means_the_worker_stopped(client, settings):
    """A task ready for longer than HEALTH_QUEUE_MAX_AGE_MINUTES: 503."""
    settings.HEALTH_QUEUE_MAX_AGE_MINUTES = 10
    queued_task(waited=timedelta(minutes=11))
    response, body = health(client)
    assert response.status_code == 503
    assert body["status"] == "failing"
    assert "worker" in body["checks"]["queue"]
    assert body["checks"]["database"] == "ok"


def test_tasks_deferred_or_finished_do_not_count(client):
    """A task queued long ago for later, or already done, is no sign of a
    stopped worker."""
    queued_task(
        waited=timedelta(hours=3), run_after=timezone.now() + timedelta(hours=1)
    )
    done = queued_task(waited=timedelta(hours=3))
    DBTaskResult.objects.filter(pk=done.pk).update(status="SUCCESSFUL")
    response, _ = health(client)
    assert response.status_code == 200


def test_a_deferred_task_overdue_counts(client):
    """A task deferred to a time long past and still waiting: 503."""
    queued_task(
        waited=timedelta(hours=3), run_after=timezone.now() - timedelta(hours=1)
    )
    assert health(client)[0].status_code == 503


def test_database_down_is_503(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refuse)
    response, body = health(client)
    assert response.status_code == 503
    assert body["checks"]["database"] == "failed: OperationalError"


def test_cache_that_keeps_nothing_is_503(client, monkeypatch):
    monkeypatch.setattr(caches["default"], "get", lambda *args, **kwargs: None)
    response, body = health(client)
    assert response.status_code == 503
    assert body["checks"]["cache"] == "the cache lost a value"


def test_probes_over_plain_http_are_not_redirected(client, settings):
    """With the HTTPS redirect on, a probe straight to the app server over HTTP
    still gets its answer; other pages are redirected."""
    settings.SECURE_SSL_REDIRECT = True
    assert health(client)[0].status_code == 200
    assert client.get("/").status_code == 301


def test_only_reads(client):
    assert client.post("/healthz").status_code == 405
