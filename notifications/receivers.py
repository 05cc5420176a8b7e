"""How notifications hear of what the forum, moderation and accounts do:
receivers of their signals, connected in NotificationsConfig.ready. Each runs
inside the sender's transaction, so its rows commit or roll back with the
event; mail waits for the commit."""

from django.dispatch import receiver

from accounts.models import User
from accounts.signals import account_deleting, personal_data_requested
from forum.signals import (
    category_visibility_changed,
    counters_recounted,
    history_loaded,
    post_edited,
    post_placed,
    post_published,
    posts_read,
)
from moderation.signals import (
    post_returned,
    post_visibility_changed,
    readers_changed,
    reports_resolved,
)

from . import services
from .models import Notification, NotificationSettings, Watch
from .tasks import notify_post, queue_emails

Kind = Notification.Kind
Reason = Notification.Reason


@receiver(post_placed, dispatch_uid="notifications.auto_watch")
def watch_own_topic(sender, *, post, topic, **kwargs):
    if post.author_id is not None:
        services.auto_watch(user=post.author, topic=topic)


@receiver(post_published, dispatch_uid="notifications.post_published")
def notify_readers(sender, *, post, mentioned, **kwargs):
    # Queued in the post's own transaction (the task row commits with the post,
    # or not at all), so posting does not wait for the fan-out to its readers.
    notify_post.enqueue(
        post_id=post.pk,
        mentioned=list(mentioned) if mentioned is not None else None,
    )


@receiver(post_edited, dispatch_uid="notifications.post_edited")
def notify_new_mentions(sender, *, post, mentioned, **kwargs):
    # Names added by the edit are told; nobody hears twice of one post.
    notify_post.enqueue(post_id=post.pk, mentioned=list(mentioned), mentions_only=True)


@receiver(post_visibility_changed, dispatch_uid="notifications.visibility")
def tell_author(
    sender, *, post, hidden, actor, reason, facilitator_ids, report_reason="", **kwargs
):
    services.set_post_withdrawn(post=post, hidden=hidden, moderator_ids=facilitator_ids)
    # The reports' reason is kept as its code, to be shown in the author's
    # language rather than the facilitator's.
    created = services.notify_moderation(
        post=post,
        kind=Kind.POST_HIDDEN if hidden else Kind.POST_UNHIDDEN,
        recipient_ids=[post.author_id],
        actor=actor,
        reason=Reason.REPORTED if report_reason else Reason.NONE,
        params={"report_reason": report_reason} if report_reason else {},
        note="" if report_reason else reason,
    )
    queue_emails(created)


@receiver(post_returned, dispatch_uid="notifications.post_returned")
def tell_author_of_return(sender, *, post, actor, reason, **kwargs):
    created = services.notify_moderation(
        post=post,
        kind=Kind.POST_RETURNED,
        recipient_ids=[post.author_id],
        actor=actor,
        note=reason,
    )
    queue_emails(created)


@receiver(reports_resolved, dispatch_uid="notifications.reports_resolved")
def tell_reporters(sender, *, post, actor, hidden, reporter_ids, note, **kwargs):
    created = services.notify_moderation(
        post=post,
        kind=Kind.REPORT_HANDLED,
        recipient_ids=reporter_ids,
        actor=actor,
        reason=Reason.REPORT_HIDDEN if hidden else Reason.REPORT_DISMISSED,
        note=note.strip(),
    )
    queue_emails(created)


@receiver(account_deleting, dispatch_uid="notifications.account_deleting")
def withdraw_erased(sender, *, user, remove_posts, **kwargs):
    if remove_posts:
        services.withdraw_erased_posts(author=user)


@receiver(readers_changed, dispatch_uid="notifications.readers_changed")
def recount_readers(sender, *, topic=None, user=None, **kwargs):
    services.refresh_unread_counts_after_access_change(topic=topic, user=user)


@receiver(category_visibility_changed, dispatch_uid="notifications.category_visibility")
def recount_category_readers(sender, *, category, **kwargs):
    services.refresh_unread_counts_after_access_change(category=category)


@receiver(counters_recounted, dispatch_uid="notifications.recount")
def recount_unread(sender, **kwargs):
    services.refresh_unread_counts()


@receiver(history_loaded, dispatch_uid="notifications.history_loaded")
def settle_history(sender, *, post_ids, **kwargs):
    services.settle_loaded_notifications(post_ids=post_ids)
    services.refresh_unread_counts()


@receiver(personal_data_requested, dispatch_uid="notifications.personal_data")
def personal_data(sender, *, user: User, **kwargs) -> dict:
    """The user's notification choices and what they watch, for the export."""
    choices = NotificationSettings.objects.filter(user=user).first()
    return {
        "notification_settings": (
            {
                field.name: getattr(choices, field.name)
                for field in NotificationSettings._meta.concrete_fields
                if field.name not in {"id", "user"}
            }
            if choices
            else None
        ),
        "watches": [
            {
                "topic": w.topic.title if w.topic else None,
                "topic_url": w.topic.get_absolute_url() if w.topic else None,
                "category": w.category.name if w.category else None,
                "level": w.level,
            }
            for w in Watch.objects.filter(user=user)
            .select_related("topic", "category")
            .order_by("pk")
        ],
    }


@receiver(posts_read, dispatch_uid="notifications.posts_read")
def read_with_the_posts(sender, *, user, post_ids, **kwargs):
    services.mark_read_about_posts(user=user, post_ids=post_ids)
