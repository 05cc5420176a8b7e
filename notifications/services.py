"""Writes: notifications, what readers watch, their choices, unsubscribing.

A published post gives each reader it concerns one notification, of the first
kind that applies, in this order (PRECEDENCE): a facilitator's follow-up
question to them, an @mention of them (outside quotes, the first ten names of a
post), a quote of their post, a reply to their post, a new post in a topic or
category they watch. Nobody hears of their own action, and only readers who may
see the post hear of it: a post awaiting approval notifies when it is approved.
Moderation outcomes (post hidden, shown again, report handled) are notifications
of their own.

Functions that create notifications return them; the caller queues their
emails (notifications.tasks.queue_emails), which go once the transaction
commits.
"""

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from forum import permissions
from forum.models import Category, Post, Topic

from .models import (
    DIGEST,
    EMAIL_FIELDS,
    GROUPED_KINDS,
    MODERATION_KINDS,
    Delivery,
    Notification,
    NotificationSettings,
    Watch,
    unread_group_key,
)
from .queries import emailable_ids, settings_for

Kind = Notification.Kind
Email = Notification.Email

PRECEDENCE = [Kind.FOLLOW_UP, Kind.MENTION, Kind.QUOTE, Kind.REPLY, Kind.WATCHED]


@transaction.atomic
def update_settings(*, user: User, **choices) -> NotificationSettings:
    """Save a user's notification choices (auto_watch, digest, digest_hour,
    email_* fields)."""
    allowed = {"auto_watch", DIGEST, "digest_hour", *EMAIL_FIELDS.values()}
    unknown = set(choices) - allowed
    if unknown:
        raise ValueError(f"Unknown notification settings: {sorted(unknown)}")
    row, _ = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    for name, value in choices.items():
        setattr(row, name, value)
    row.full_clean(exclude=["user"])
    row.save()
    return row


@transaction.atomic
def set_topic_watch(*, user: User, topic: Topic, level: str) -> bool:
    """Watch a topic, take its daily digest, or mute it; return whether it
    changed."""
    if level not in Watch.Level.values:
        raise ValueError(f"No such watch level: {level}")
    watch, created = Watch.objects.get_or_create(
        user=user, topic=topic, defaults={"level": level}
    )
    if created:
        _start_digest_at(watch=watch, topic=topic)
        return True
    if watch.level == level:
        return False
    Watch.objects.filter(pk=watch.pk).update(level=level)
    if level == Watch.Level.DIGEST:
        _start_digest_at(watch=watch, topic=topic)
    return True


def _start_digest_at(*, watch: Watch, topic: Topic) -> None:
    # A dialogue digest starts with the posts written from now on.
    Watch.objects.filter(pk=watch.pk).update(
        digest_up_to=Topic.objects.filter(pk=topic.pk).values("post_count")[:1]
    )


@transaction.atomic
def set_category_watch(*, user: User, category: Category, watching: bool) -> bool:
    """Watch a whole category (every new post in it) or stop; return whether it
    changed."""
    if watching:
        _, created = Watch.objects.get_or_create(user=user, category=category)
        return created
    deleted, _ = Watch.objects.filter(user=user, category=category).delete()
    return bool(deleted)


def auto_watch(*, user: User, topic: Topic) -> bool:
    """Watch a topic one starts or replies to, unless one's settings say no or
    one already chose for it. Call inside the post's transaction."""
    choice = settings_for(user_ids=[user.pk])[user.pk]
    if not choice.auto_watch:
        return False
    _, created = Watch.objects.get_or_create(user=user, topic=topic)
    return created


def _email_state(choice: NotificationSettings, kind: str, emailable: bool) -> str:
    delivery = choice.delivery_for(kind)
    if not emailable or delivery == Delivery.NEVER:
        return Email.NONE
    if delivery == Delivery.NOW:
        return Email.QUEUED
    return Email.DIGEST if choice.digest else Email.NONE


def create_notifications(
    *, post: Post, wanted: dict[int, tuple[str, str, dict]], actor: User | None
) -> list[Notification]:
    """Write the notifications wanted ({user id: (kind, reason, reason
    parameters)}) and bump the unread counters in one transaction; return
    them, their emails not yet queued."""
    if not wanted:
        return []
    choices = settings_for(user_ids=list(wanted))
    emailable = emailable_ids(list(wanted))
    rows = [
        Notification(
            recipient_id=uid,
            kind=kind,
            topic_id=post.topic_id,
            post=post,
            actor=actor,
            actor_name=actor.name if actor else "",
            reason=reason,
            reason_params=params,
            email_state=_email_state(choices[uid], kind, uid in emailable),
        )
        for uid, (kind, reason, params) in wanted.items()
    ]
    with transaction.atomic():
        # The badge counts items: a notification joining an unread group of
        # its reader's (same topic, kind and reason) adds none.
        joining = set(
            Notification.objects.filter(
                recipient_id__in=list(wanted),
                topic_id=post.topic_id,
                kind__in=GROUPED_KINDS,
                read_at__isnull=True,
                withdrawn=False,
            ).values_list("recipient_id", "kind", "reason")
        )
        created = Notification.objects.bulk_create(rows)
        new_items = [
            uid
            for uid, (kind, reason, _params) in wanted.items()
            if (uid, kind, reason) not in joining
        ]
        User.objects.filter(pk__in=new_items).update(
            unread_notifications=F("unread_notifications") + 1
        )
    return created


@transaction.atomic
def notify_moderation(
    *,
    post: Post,
    kind: str,
    recipient_ids,
    actor: User,
    reason: str = Notification.Reason.NONE,
    note: str = "",
    params: dict | None = None,
) -> list[Notification]:
    """Tell authors and reporters what became of a post (hidden, shown again,
    report handled); a repeat replaces the earlier one. Call inside the
    action's transaction."""
    if kind not in MODERATION_KINDS:
        raise ValueError(f"Not a moderation notification: {kind}")
    ids = [uid for uid in set(recipient_ids) if uid and uid != actor.pk]
    Notification.objects.filter(post=post, kind=kind, recipient_id__in=ids).delete()
    refresh_unread_counts(user_ids=ids)
    params = {**(params or {}), **({"note": note} if note else {})}
    wanted = {uid: (kind, reason, params) for uid in ids}
    return create_notifications(post=post, wanted=wanted, actor=actor)


@transaction.atomic
def set_post_withdrawn(*, post: Post, hidden: bool, moderator_ids: set[int]) -> int:
    """While a post is hidden its notifications disappear for recipients who may
    not read it (not its facilitators or admins); call inside the hiding
    transaction. Returns how many changed."""
    rows = Notification.objects.filter(post=post).exclude(kind__in=MODERATION_KINDS)
    if hidden:
        rows = rows.exclude(recipient_id__in=moderator_ids).exclude(
            recipient__is_staff=True
        )
    recipients = list(rows.values_list("recipient_id", flat=True).distinct())
    changed = rows.filter(withdrawn=not hidden).update(withdrawn=hidden)
    if changed:
        refresh_unread_counts(user_ids=recipients)
    return changed


def refresh_unread_counts(*, user_ids=None) -> None:
    """Recount the header's unread notifications from the rows (all users if
    user_ids is None): those each reader can still see."""
    unread = (
        Notification.objects.filter(
            recipient=OuterRef("pk"), read_at__isnull=True, withdrawn=False
        )
        .filter(
            permissions.visible_to_their_readers(
                reader="recipient", prefix="topic__category__"
            )
        )
        .order_by()
        .values("recipient")
        .annotate(n=Count(unread_group_key(), distinct=True))
        .values("n")
    )
    users = (
        User.objects.all()
        if user_ids is None
        else User.objects.filter(pk__in=list(user_ids))
    )
    users.update(unread_notifications=Coalesce(Subquery(unread), 0))


def withdraw_erased_posts(*, author: User) -> int:
    """Withdraw the notifications about an author's posts whose text is being
    erased with their account; call inside the deletion's transaction. Returns
    how many changed."""
    rows = Notification.objects.filter(post__author=author, withdrawn=False).exclude(
        kind__in=MODERATION_KINDS
    )
    recipients = list(rows.values_list("recipient_id", flat=True).distinct())
    changed = rows.update(withdrawn=True)
    if changed:
        refresh_unread_counts(user_ids=recipients)
    return changed


def refresh_unread_counts_after_access_change(
    *,
    topic: Topic | None = None,
    category: Category | None = None,
    user: User | None = None,
) -> None:
    """Recount the badges a change of who may read touches: of everyone notified
    about a moved topic or a category whose visibility changed, or of a user
    whose roles changed."""
    notified = Notification.objects.none()
    if topic is not None:
        notified = Notification.objects.filter(topic=topic)
    if category is not None:
        notified = Notification.objects.filter(topic__category=category)
    if notified.exists():
        recipients = notified.values_list("recipient_id", flat=True).distinct()
        refresh_unread_counts(user_ids=recipients)
    if user is not None:
        refresh_unread_counts(user_ids=[user.pk])


@transaction.atomic
def mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark one's notifications read (all of them if no ids); return how many."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        rows = rows.filter(pk__in=notification_ids)
    changed = rows.update(read_at=timezone.now())
    refresh_unread_counts(user_ids=[user.pk])
    user.refresh_from_db(fields=["unread_notifications"])
    return changed


def mark_read_about_posts(*, user: User, post_ids: list[int]) -> int:
    """Mark read what user was told about these posts, now that they have been
    shown them (a grouped item counts down as its posts are read)."""
    changed = Notification.objects.filter(
        recipient=user, read_at__isnull=True, post_id__in=post_ids
    ).update(read_at=timezone.now())
    if changed:
        refresh_unread_counts(user_ids=[user.pk])
        user.refresh_from_db(fields=["unread_notifications"])
    return changed


# How many notifications of history loaded in bulk stay unread per reader.
LOADED_UNREAD = 4


def settle_loaded_notifications(*, post_ids: list[int]) -> None:
    """Date the notifications of these posts like the posts and send no email
    for them: for history loaded in bulk (the demo forum), not for live events."""
    rows = Notification.objects.filter(post_id__in=post_ids)
    rows.update(
        created_at=Subquery(
            Post.objects.filter(pk=OuterRef("post_id")).values("created_at")[:1]
        )
    )
    rows.filter(email_state__in=[Email.QUEUED, Email.DIGEST]).update(
        email_state=Email.NONE
    )
    # Someone who has been visiting all along read most of it as it came: each
    # reader is left with only the newest few unread, the rest read when they
    # happened.
    recipients = list(rows.values_list("recipient_id", flat=True).distinct())
    for recipient in recipients:
        unread = rows.filter(recipient_id=recipient, read_at__isnull=True)
        newest = unread.order_by("-created_at", "-pk").values_list("pk", flat=True)
        unread.exclude(pk__in=list(newest[:LOADED_UNREAD])).update(
            read_at=F("created_at")
        )
    refresh_unread_counts(user_ids=recipients)


@transaction.atomic
def unsubscribe(*, user: User, what: str, restore: str | None = None) -> str:
    """Stop one kind of email (or the digest); with restore, undo that by putting
    back the choice it replaced. Return the choice before the change."""
    before = getattr(settings_for(user_ids=[user.pk])[user.pk], what)
    if what == DIGEST:
        value = restore is not None
    elif restore in (Delivery.NOW, Delivery.DIGEST):
        value = restore
    elif restore is not None:
        value = NotificationSettings._meta.get_field(what).default
    else:
        value = Delivery.NEVER
    if value != before:
        update_settings(user=user, **{what: value})
    return str(before)
