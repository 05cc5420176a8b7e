"""A database made by the code before the notifications app keeps its rows
when migrated: the tables are taken over as they are, and the reasons stored
as English sentences become codes with parameters."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from notifications.models import Notification
from notifications.tasks import send_digests
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory

BEFORE = [("forum", "0012_topic_list_days_category_locks"), ("notifications", None)]

# (kind, sentence stored by the old code) -> (reason code, parameters)
OLD_ROWS = {
    ("watched", "You watch this topic."): ("watched_topic", {}),
    ("watched", "New topic in Assemblée. Ouverte."): (
        "new_topic",
        {"name": "Assemblée. Ouverte"},
    ),
    ("watched", "You watch Agora."): ("watched_category", {"name": "Agora"}),
    ("report_handled", "The post was hidden. Insults"): (
        "report_hidden",
        {"note": "Insults"},
    ),
    ("report_handled", "The post stays as it is."): ("report_dismissed", {}),
    ("post_hidden", "You watch this topic."): ("", {"note": "You watch this topic."}),
    ("post_unhidden", ""): ("", {}),
    ("post_hidden", "Spam or advertising"): ("reported", {"report_reason": "spam"}),
    ("report_handled", "Spam or advertising"): (
        "",
        {"note": "Spam or advertising"},
    ),
}


def migrate(targets):
    """Migrate the test database to targets; return the models as they were
    there."""
    MigrationExecutor(connection).migrate(targets)
    at = [node for node in targets if node[1] is not None]
    return MigrationExecutor(connection).loader.project_state(at).apps


@pytest.mark.django_db(transaction=True)
def test_old_sentences_become_codes_and_rows_are_kept():
    category = CategoryFactory()
    topic = TopicFactory(category=category)
    readers = [UserFactory() for _ in OLD_ROWS]
    post = ReplyFactory(topic=topic)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    Notification.objects.all().delete()
    try:
        old = migrate(BEFORE)
        OldNotification = old.get_model("forum", "Notification")
        for reader, (kind, sentence) in zip(readers, OLD_ROWS, strict=True):
            OldNotification.objects.create(
                recipient_id=reader.pk,
                kind=kind,
                topic_id=topic.pk,
                post_id=post.pk,
                actor_name="Amina",
                reason=sentence,
            )
        ids = set(OldNotification.objects.values_list("pk", flat=True))
    finally:
        migrate(latest)
    rows = {n.recipient_id: n for n in Notification.objects.all()}
    assert {n.pk for n in rows.values()} == ids
    for reader, expected in zip(readers, OLD_ROWS.values(), strict=True):
        row = rows[reader.pk]
        assert (row.reason, row.reason_params) == expected
        assert row.actor_name == "Amina" and row.post_id == post.pk


@pytest.mark.django_db(transaction=True)
def test_going_back_restores_the_sentences():
    """The migration can be undone: codes become the old sentences again."""
    topic = TopicFactory()
    post = ReplyFactory(topic=topic)
    reader = UserFactory()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    Notification.objects.all().delete()
    Notification.objects.create(
        recipient=reader,
        kind=Notification.Kind.REPORT_HANDLED,
        topic=topic,
        post=post,
        reason=Notification.Reason.REPORT_HIDDEN,
        reason_params={"note": "Insults"},
    )
    try:
        old = migrate(BEFORE)
        row = old.get_model("forum", "Notification").objects.get(recipient_id=reader.pk)
        assert row.reason == "The post was hidden. Insults"
    finally:
        migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_tasks_queued_by_the_old_code_still_run():
    """A task waiting in the queue under its old path is found under its new
    one, so the daily digest run queued before the move still goes."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        # The queue's table is the task backend's own: unchanged by the move.
        migrate(BEFORE)
        DBTaskResult.objects.create(
            task_path="forum.tasks.send_digests_task",
            status="READY",
            queue_name="default",
            backend_name="default",
            priority=0,
            args_kwargs={"args": [], "kwargs": {}},
        )
    finally:
        migrate(latest)
    waiting = DBTaskResult.objects.get()
    assert waiting.task_path == send_digests.module_path
    assert waiting.task.func is send_digests.func
