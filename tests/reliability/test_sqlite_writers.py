"""SQLite, the embedded default, takes the app servers and the background worker
writing at once: four people sending five replies each at the same moment,
through two gunicorn processes, while `manage.py db_worker` writes the
notifications and sends their emails. No request fails with "database is
locked", and every reply is stored."""

import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from tests.reliability.servers import (
    ROOT,
    Browser,
    app_servers,
    manage,
    production_env,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="runs with the SQLite suite",
    ),
]

WRITERS = 4
REPLIES_EACH = 5
SETUP = f"""
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from notifications import services as notifications
from tests.factories import TopicFactory, UserFactory
from tests.reliability.servers import session_key_for
topic = TopicFactory(title="Everyone at once on SQLite")
for n in range(3):
    watcher = UserFactory(username=f"watcher{{n}}")
    notifications.update_settings(user=watcher, email_watched="now")
    notifications.set_topic_watch(user=watcher, topic=topic, level="watching")
writers = [UserFactory(username=f"writer{{n}}") for n in range({WRITERS})]
# Established accounts: the posting limit of a new account is not under test.
User.objects.filter(username__startswith="writer").update(
    date_joined=timezone.now() - timedelta(days=30)
)
print(topic.pk, *(session_key_for(User.objects.get(pk=w.pk)) for w in writers))
"""
COUNT = """
from django.db import connection
from forum.models import Post
from notifications.models import Notification
print(
    Post.objects.filter(topic_id={topic}, body__startswith="Reply ").count(),
    Notification.objects.filter(email_state="sent").count(),
)
with connection.cursor() as cursor:
    print(cursor.execute("PRAGMA journal_mode").fetchone()[0])
"""


def test_servers_and_worker_write_at_once_without_an_error(tmp_path):
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'forum.sqlite3'}",
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "-v0")
    topic, *sessions = manage(env, "shell", "-c", SETUP).splitlines()[-1].split()
    path = f"/t/{topic}/reply/"
    worker_log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        with app_servers(env, tmp_path, threads=2) as ports:
            browsers = [
                Browser({settings.SESSION_COOKIE_NAME: key}) for key in sessions
            ]
            forms = [
                (n, r, browsers[n].hidden_fields(ports[n % 2], path, path))
                for n in range(WRITERS)
                for r in range(REPLIES_EACH)
            ]

            def send(job):
                n, r, hidden = job
                data = {**hidden, "body": f"Reply {r} from writer {n}.", "post": "1"}
                data["named_in_exports"] = "yes"
                response, page = Browser(browsers[n].cookies).request(
                    ports[(n + r) % 2], "POST", path, data
                )
                return response.status, page[:300]

            with ThreadPoolExecutor(max_workers=len(forms)) as pool:
                answers = list(pool.map(send, forms))
            deadline = time.monotonic() + 60
            expected_emails = 3 * WRITERS * REPLIES_EACH
            while time.monotonic() < deadline:
                counts = manage(env, "shell", "-c", COUNT.format(topic=topic))
                *_, numbers, journal = counts.splitlines()
                stored, emailed = map(int, numbers.split())
                if emailed >= expected_emails:
                    break
                time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(10)
    # Counted again once the worker has stopped: it went on sending meanwhile.
    counts = manage(env, "shell", "-c", COUNT.format(topic=topic))
    *_, numbers, journal = counts.splitlines()
    stored, emailed = map(int, numbers.split())
    logs = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert Counter(status for status, _ in answers) == {302: WRITERS * REPLIES_EACH}, (
        answers
    )
    assert "database is locked" not in logs
    assert journal == "wal"
    assert stored == WRITERS * REPLIES_EACH
    assert emailed >= expected_emails
    assert worker_log.read_text().count("Subject: ") == emailed
