"""Background work: notifying readers of a new post, notification emails and
the daily digest. A worker runs them (`python manage.py db_worker`); tests run
them at once. Each task is the function itself: call it with `.call()` to run
it in the current process."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forum import permissions
from forum.mentions import render_with_mentions
from forum.models import Post

from . import digests
from .emails import absolute, recipient_locale, reply_url, send_email
from .models import EMAIL_FIELDS, Notification
from .queries import emailable_ids, post_audience
from .services import PRECEDENCE, create_notifications

try:  # Django 6 has the task framework built in; 5.2 has its backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

Email = Notification.Email


def queue_emails(notifications: list[Notification]) -> None:
    """Send the emails of these notifications that are due now, once the
    transaction that created them commits."""
    ids = [n.pk for n in notifications if n.email_state == Email.QUEUED]
    if not ids:
        return

    def enqueue():
        for pk in ids:
            send_notification_email.enqueue(notification_id=pk)

    transaction.on_commit(enqueue)


@task()
def notify_post(
    post_id: int, mentioned: list[str] | None = None, mentions_only: bool = False
) -> int:
    """Notify the readers a published post concerns, once each (see
    notifications.services.PRECEDENCE); mentions_only after an edit. Queued in
    the post's own transaction, so it runs once the post is committed; returns
    how many were notified."""
    post = (
        Post.objects.select_related("topic__category", "author")
        .filter(pk=post_id)
        .first()
    )
    if post is None or not post.is_published or post.is_hidden:
        return 0
    if mentioned is None:
        mentioned = render_with_mentions(post.body)[1]
    wanted: dict[int, tuple[str, str, dict]] = {}
    for uid, kind, reason, params in post_audience(
        post=post, mentioned=mentioned, mentions_only=mentions_only
    ):
        if uid and uid != post.author_id and uid not in wanted:
            wanted[uid] = (kind, reason, params)
    # One notification per post per reader, whatever an edit adds later.
    already = Notification.objects.filter(
        post=post, recipient_id__in=list(wanted), kind__in=PRECEDENCE
    ).values_list("recipient_id", flat=True)
    for uid in set(already):
        wanted.pop(uid, None)
    readers = permissions.readers_of_category(
        category=post.topic.category, user_ids=list(wanted)
    )
    wanted = {uid: wanted[uid] for uid in wanted if uid in readers}
    with transaction.atomic():
        created = create_notifications(post=post, wanted=wanted, actor=post.author)
        queue_emails(created)
    return len(created)


@task()
def send_notification_email(notification_id: int) -> bool:
    """Send one notification's email, exactly once: the notification is claimed
    before sending and released only if sending fails. Return whether it
    went."""
    claimed = Notification.objects.filter(
        pk=notification_id, email_state=Email.QUEUED
    ).update(email_state=Email.SENDING)
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "recipient", "post__topic__category", "topic"
    ).get(pk=notification_id)
    user = notification.recipient
    if notification.withdrawn or user.pk not in emailable_ids([user.pk]):
        Notification.objects.filter(pk=notification_id).update(email_state=Email.NONE)
        return False
    post = notification.post
    try:
        with recipient_locale(user):
            headline = notification.headline()
            send_email(
                user=user,
                subject=headline,
                template="notification",
                context={
                    "notification": notification,
                    "headline": headline,
                    "reason": notification.reason_text(),
                    "post": post,
                    "show_text": permissions.can_see_post_text(user, post),
                    "post_url": absolute(post.get_absolute_url()),
                    "reply_url": reply_url(post),
                },
                what=EMAIL_FIELDS[notification.kind],
            )
    except Exception:
        Notification.objects.filter(
            pk=notification_id, email_state=Email.SENDING
        ).update(email_state=Email.QUEUED)
        raise
    Notification.objects.filter(pk=notification_id).update(email_state=Email.SENT)
    return True


@task()
def send_digests(now: datetime | None = None) -> int:
    """Queue the digest of each user whose chosen hour has come in their time
    zone and who has had none on their day yet; return how many were queued.
    Run every few minutes (`manage.py send_digests`): each user's day is claimed
    in the transaction that queues their digest, so a run late or twice sends
    it once."""
    queued = 0
    for user, day in digests.due_digests(now=now or timezone.now()):
        with transaction.atomic():
            previous = digests.claim_digest_day(user=user, day=day)
            if previous is False:
                continue
            send_digest.enqueue(
                user_id=user.pk,
                day=day.isoformat(),
                previous=previous.isoformat() if previous else None,
            )
        queued += 1
    return queued


@task()
def send_digest(user_id: int, day: str, previous: str | None) -> bool:
    """Send one user's digest for the day claimed by send_digests; return
    whether it went. If sending fails the day is given back, so the next run
    of send_digests queues it again."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    today = date.fromisoformat(day)
    before = date.fromisoformat(previous) if previous else None
    try:
        return digests.send_digest(user=user, today=today)
    except Exception:
        digests.release_digest_day(user=user, day=today, previous=before)
        raise
