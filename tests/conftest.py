import os
import shutil
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread
from django.utils import timezone, translation

from tests import summaries
from tests.factories import (
    CategoryFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)


class _OneRequestAtATime(WSGIServer):
    """The live server, answering one request at a time. With SQLite the test
    database is in memory, and every thread of the live server shares the test's
    one connection to it, which two threads cannot use at once: a browser's
    draft autosave beside its reply made their transactions interleave their
    savepoints ("no such savepoint"). PostgreSQL gives each thread its own
    connection and keeps the threaded server."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _live_server_safe_for_its_database():
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        LiveServerThread.server_class = _OneRequestAtATime


@pytest.fixture(autouse=True)
def _db_for_all(db):
    """Every test may use the database."""


@pytest.fixture
def user():
    return UserFactory(display_name="Rosa Ilunga")


@pytest.fixture
def other_user():
    return UserFactory(display_name="Tomás Varga")


@pytest.fixture
def category():
    return CategoryFactory(name="Dialogues", slug="dialogues")


@pytest.fixture
def facilitator(category):
    return make_facilitator(category, display_name="Mira Sol")


@pytest.fixture
def admin():
    return UserFactory(is_staff=True, display_name="Ada Admin")


@pytest.fixture
def topic(category, other_user):
    return TopicFactory(category=category, author=other_user, title="Trust in towns")


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client):
    """A client signed in as a staff member (the Django admin's users)."""
    client.force_login(UserFactory(is_staff=True))
    return client


class Clock:
    def __init__(self):
        self.now = timezone.now()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def stopped_clock():
    """Django's clock (timezone.now) stopped, moved on only by .advance()."""
    stopped = Clock()
    with mock.patch("django.utils.timezone.now", lambda: stopped.now):
        yield stopped


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches (cached roles, rate limits, pages)."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: the locale middleware leaves the
    language of a test client's last request active in the thread."""
    translation.deactivate()
    yield
    translation.deactivate()


def pytest_collection_modifyitems(config, items):
    """Under xdist (make test), give each worker its share of the browser tests
    first. The workers start with equal, consecutive slices of the collection and
    later take tests from the end of each other's slices: slow tests at the front
    of every slice are never left for one worker alone at the end of the run."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    slow = [item for item in items if item.get_closest_marker("browser")]
    rest = [item for item in items if not item.get_closest_marker("browser")]
    ordered: list = []
    for worker in range(workers):
        # The slice the scheduler sends this worker first (its arithmetic).
        size = (len(items) - len(ordered)) // (workers - worker)
        share = slow[worker::workers]
        take = max(size - len(share), 0)
        ordered += share + rest[:take]
        rest = rest[take:]
    items[:] = ordered + rest


def pytest_terminal_summary(terminalreporter):
    summaries.write(terminalreporter)


def pytest_sessionfinish(session):
    """Remove this process's uploads (config/settings/test.py); a directory
    named by FORUM_TEST_ATTACHMENTS_DIR belongs to the test that named it."""
    if not os.environ.get("FORUM_TEST_ATTACHMENTS_DIR"):
        shutil.rmtree(settings.ATTACHMENTS_DIR, ignore_errors=True)
