"""The replica router's choices: reads to the replica only when that is safe."""

import importlib

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

import config.settings.base as base
from config import routers
from config.routers import (
    PIN_COOKIE,
    PRIMARY,
    REPLICA,
    PrimaryReplicaRouter,
    ReplicaReadsMiddleware,
    replica_reads,
)
from forum.models import Post, Topic

router = PrimaryReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(routers, "replica_configured", lambda: True)
    # The test runner holds the connection inside a transaction of its own.
    monkeypatch.setattr(routers, "in_primary_transaction", lambda: False)


def reads_during(request, *, status=200, write=False):
    """Run a request through the middleware; return where a read went, and the
    response."""
    seen = {}

    def view(request):
        if write:
            router.db_for_write(Post)
        seen["db"] = router.db_for_read(Topic)
        return HttpResponse(status=status)

    response = ReplicaReadsMiddleware(view)(request)
    return seen["db"], response


def test_without_a_replica_everything_uses_the_primary():
    """No DATABASE_REPLICA_URL: the router always answers the primary."""
    with replica_reads(True):
        assert router.db_for_read(Topic) == PRIMARY
    assert router.db_for_write(Topic) == PRIMARY


def test_outside_a_request_reads_use_the_primary(with_replica):
    """Commands, tasks and anything outside a request read the primary."""
    assert router.db_for_read(Topic) == PRIMARY


def test_a_get_reads_the_replica(with_replica):
    """A plain GET's reads go to the replica."""
    db, response = reads_during(RequestFactory().get("/"))
    assert db == REPLICA
    assert PIN_COOKIE not in response.cookies


def test_writes_always_go_to_the_primary(with_replica):
    """Writes go to the primary, even where reads may use the replica."""
    with replica_reads(True):
        assert router.db_for_write(Post) == PRIMARY


def test_a_post_reads_the_primary_and_pins_the_writer(with_replica):
    """A write request reads the primary and sets the pin cookie."""
    db, response = reads_during(RequestFactory().post("/"))
    assert db == PRIMARY
    assert response.cookies[PIN_COOKIE]["max-age"] == 10


def test_a_failed_post_does_not_pin(with_replica):
    """A refused write changed nothing: no pin."""
    _, response = reads_during(RequestFactory().post("/"), status=403)
    assert PIN_COOKIE not in response.cookies


def test_the_writers_next_pages_read_the_primary(with_replica):
    """With the pin cookie, the writer's next GETs read their own writes."""
    request = RequestFactory().get("/")
    request.COOKIES[PIN_COOKIE] = "1"
    assert reads_during(request)[0] == PRIMARY


def test_a_get_that_writes_reads_its_own_writes(with_replica):
    """Once a GET writes (a read mark), its later reads go to the primary."""
    assert reads_during(RequestFactory().get("/"), write=True)[0] == PRIMARY


def test_reads_inside_a_transaction_use_the_primary(with_replica, monkeypatch):
    """Inside a transaction on the primary, reads see what it writes."""
    monkeypatch.setattr(routers, "in_primary_transaction", lambda: True)
    with replica_reads(True):
        assert router.db_for_read(Topic) == PRIMARY


@pytest.mark.django_db(transaction=True)
def test_a_transaction_on_the_primary_is_noticed():
    """The router sees an open transaction on the primary connection."""
    assert not routers.in_primary_transaction()
    with transaction.atomic():
        assert routers.in_primary_transaction()


def test_the_choice_ends_with_the_request(with_replica):
    """The permission to read the replica does not leak past the request."""
    reads_during(RequestFactory().get("/"))
    assert router.db_for_read(Topic) == PRIMARY


def test_only_the_primary_is_migrated():
    """Migrations run on the primary only; the replica copies it."""
    assert router.allow_migrate(PRIMARY, "forum")
    assert not router.allow_migrate(REPLICA, "forum")


def test_replica_settings_from_the_environment(monkeypatch):
    """DATABASE_REPLICA_URL adds the replica, mirrored in tests."""
    monkeypatch.setenv(
        "DATABASE_REPLICA_URL", "postgres://reader@replica.example/forum"
    )
    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 50)
    try:
        reloaded = importlib.reload(base)
        assert reloaded.DATABASES["replica"]["HOST"] == "replica.example"
        assert reloaded.DATABASES["replica"]["TEST"] == {"MIRROR": "default"}
    finally:
        monkeypatch.delenv("DATABASE_REPLICA_URL")
        importlib.reload(base)
