"""Background work: notifying readers of a new post, notification emails and
the daily digest. A worker runs
them (`python manage.py db_worker`); tests run them at once."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

try:  # Django 6 has the task framework built in; 5.2 has its backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

from . import notifications


@task()
def notify_post_task(
    post_id: int, mentioned: list[str] | None = None, mentions_only: bool = False
) -> int:
    """notifications.notify_post for a post saved in a committed transaction."""
    from .models import Post

    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return 0
    created = notifications.notify_post(
        post=post, mentioned=mentioned, mentions_only=mentions_only
    )
    return len(created)


@task()
def send_notification_email_task(notification_id: int) -> bool:
    return notifications.send_notification_email(notification_id=notification_id)


def next_digest_time(now: datetime) -> datetime:
    """The next FORUM_DIGEST_HOUR o'clock (UTC) after now."""
    at = now.replace(hour=settings.FORUM_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


def schedule_digests(*, now: datetime | None = None) -> bool:
    """Queue the next daily digest run unless one is already queued; return
    whether one was queued now. Only backends that run tasks later can."""
    backend = send_digests_task.get_backend()
    if not backend.supports_defer:
        return False
    if _digest_run_waiting(backend):
        return False
    run_at = next_digest_time(now or timezone.now())
    send_digests_task.using(run_after=run_at).enqueue()
    return True


def _digest_run_waiting(backend) -> bool:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=send_digests_task.module_path, status="READY"
    ).exists()


@task()
def send_digests_task() -> int:
    sent = notifications.send_digests()
    # Each run queues tomorrow's, so digests go daily with no other scheduler.
    schedule_digests()
    return sent
