"""Notifications: who hears of what, and how by email.

A published post gives each reader it concerns one notification, of the first
kind that applies, in this order (PRECEDENCE): a facilitator's follow-up
question to them, an @mention of them (outside quotes, the first ten names of a
post), a quote of their post, a reply to their post, a new post in a topic or
category they watch. Nobody hears of their own action, and only readers who may
see the post hear of it: a post awaiting approval notifies when it is approved.
Moderation outcomes (post hidden, shown again, report handled) are notifications
of their own.

Emails go after the transaction commits, through a background task that claims
each notification's email state before sending, so a retried task never sends
twice. Notifications waiting for the daily digest are sent by send_digests.
"""

import re
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.middleware import user_language, user_time_zone
from accounts.models import User

from . import permissions
from .models import (
    EMAIL_FIELDS,
    MODERATION_KINDS,
    Category,
    Delivery,
    Notification,
    NotificationSettings,
    Post,
    Topic,
    Watch,
)
from .rendering import render_post

Kind = Notification.Kind
Email = Notification.Email

PRECEDENCE = [Kind.FOLLOW_UP, Kind.MENTION, Kind.QUOTE, Kind.REPLY, Kind.WATCHED]
MAX_MENTIONS = 10
UNSUBSCRIBE_SALT = "forum.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 24 * 3600
DIGEST = "digest"
# A dialogue digest shows at most this many new posts of one dialogue.
DIGEST_POSTS_PER_DIALOGUE = 50


# Mentions


def mention_lookup(names: list[str]) -> dict[str, str]:
    """Profile addresses of the active users among lower-case usernames."""
    rows = (
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=names, is_active=True)
        .values_list("lower", "username")
    )
    return {lower: reverse("forum:profile", args=[name]) for lower, name in rows}


def render_with_mentions(body: str) -> tuple[str, list[str]]:
    """A post body's HTML with @mentions linked, and the names mentioned outside
    quotes."""
    return render_post(body, mention_lookup=mention_lookup)


def _mentioned_ids(names: list[str]) -> list[int]:
    wanted = names[:MAX_MENTIONS]
    if not wanted:
        return []
    rows = dict(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=wanted, is_active=True)
        .values_list("lower", "pk")
    )
    return [rows[name] for name in wanted if name in rows]


# Preferences and watching


def settings_for(*, user_ids) -> dict[int, NotificationSettings]:
    """Each user's notification settings, the defaults where they chose none."""
    found = {s.user_id: s for s in NotificationSettings.objects.filter(pk__in=user_ids)}
    return {
        uid: found.get(uid) or NotificationSettings(user_id=uid) for uid in user_ids
    }


@transaction.atomic
def update_settings(*, user: User, **choices) -> NotificationSettings:
    """Save a user's notification choices (auto_watch, digest, email_* fields)."""
    allowed = {"auto_watch", "digest", *EMAIL_FIELDS.values()}
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


# Creating notifications


def _post_sources(*, post: Post, mentioned: list[str], mentions_only: bool):
    """(user id, kind, reason) for everyone a post may concern, most concerning
    first; a reader appears again for lesser reasons."""
    if post.follow_up_for_id and not mentions_only:
        yield post.follow_up_for_id, Kind.FOLLOW_UP, ""
    for uid in _mentioned_ids(mentioned):
        yield uid, Kind.MENTION, ""
    if mentions_only:
        return
    authors = dict(
        Post.objects.filter(
            pk__in=[p for p in (post.quoting_id, post.parent_id) if p]
        ).values_list("pk", "author_id")
    )
    if post.quoting_id:
        yield authors.get(post.quoting_id), Kind.QUOTE, ""
    if post.parent_id:
        yield authors.get(post.parent_id), Kind.REPLY, ""
    yield from _watchers(post=post)


def _watchers(*, post: Post):
    topic = post.topic
    watches = Watch.objects.filter(Q(topic=topic) | Q(category_id=topic.category_id))
    levels = {}
    by_category = []
    for user_id, topic_id, level in watches.values_list("user_id", "topic_id", "level"):
        if topic_id:
            levels[user_id] = level
        else:
            by_category.append(user_id)
    opening = post.pk == topic.first_post_id
    for user_id, level in levels.items():
        if level == Watch.Level.WATCHING:
            yield user_id, Kind.WATCHED, "You watch this topic."
    name = topic.category.name
    reason = f"New topic in {name}." if opening else f"You watch {name}."
    for user_id in by_category:
        # Muting a topic, or taking its digest, overrides watching its category.
        if user_id not in levels:
            yield user_id, Kind.WATCHED, reason


def _emailable_ids(user_ids) -> set[int]:
    """Users who may get email: active, not suspended, primary address verified."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), verified=True, email__iexact=OuterRef("email")
    )
    users = User.objects.filter(pk__in=user_ids, is_active=True).filter(
        Q(suspended_at__isnull=True)
        | Q(suspended_until__isnull=False, suspended_until__lte=timezone.now())
    )
    return set(users.filter(Exists(verified)).values_list("pk", flat=True))


def _email_state(choice: NotificationSettings, kind: str, emailable: bool) -> str:
    delivery = choice.delivery_for(kind)
    if not emailable or delivery == Delivery.NEVER:
        return Email.NONE
    if delivery == Delivery.NOW:
        return Email.QUEUED
    return Email.DIGEST if choice.digest else Email.NONE


def _create(*, post: Post, wanted: dict[int, tuple[str, str]], actor: User | None):
    """Write the notifications, bump the unread counters, queue the emails."""
    if not wanted:
        return []
    choices = settings_for(user_ids=list(wanted))
    emailable = _emailable_ids(list(wanted))
    rows = [
        Notification(
            recipient_id=uid,
            kind=kind,
            topic_id=post.topic_id,
            post=post,
            actor=actor,
            actor_name=actor.name if actor else "",
            reason=reason,
            email_state=_email_state(choices[uid], kind, uid in emailable),
        )
        for uid, (kind, reason) in wanted.items()
    ]
    created = Notification.objects.bulk_create(rows)
    User.objects.filter(pk__in=list(wanted)).update(
        unread_notifications=F("unread_notifications") + 1
    )
    _queue_emails([n.pk for n in created if n.email_state == Email.QUEUED])
    return created


def notify_post_soon(
    *, post: Post, mentioned: list[str] | None = None, mentions_only: bool = False
) -> None:
    """notify_post in the background: queued in the post's own transaction (the
    task row commits with the post, or not at all), so posting a reply does not
    wait for the fan-out to its readers."""
    from .tasks import notify_post_task

    notify_post_task.enqueue(
        post_id=post.pk,
        mentioned=list(mentioned) if mentioned is not None else None,
        mentions_only=mentions_only,
    )


def notify_post(
    *, post: Post, mentioned: list[str] | None = None, mentions_only: bool = False
) -> list[Notification]:
    """Notify the readers a newly published post concerns, once each (see
    PRECEDENCE); mentions_only after an edit. Run by the background task that
    notify_post_soon queues, once the post is committed."""
    post = Post.objects.select_related("topic__category", "author").get(pk=post.pk)
    if not post.is_published or post.is_hidden:
        return []
    if mentioned is None:
        mentioned = render_with_mentions(post.body)[1]
    wanted: dict[int, tuple[str, str]] = {}
    for uid, kind, reason in _post_sources(
        post=post, mentioned=mentioned, mentions_only=mentions_only
    ):
        if uid and uid != post.author_id and uid not in wanted:
            wanted[uid] = (kind, reason)
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
    return _create(post=post, wanted=wanted, actor=post.author)


def notify_moderation(
    *, post: Post, kind: str, recipient_ids, actor: User, reason: str = ""
) -> list[Notification]:
    """Tell authors and reporters what became of a post (hidden, shown again,
    report handled); a repeat replaces the earlier one. Call inside the
    action's transaction."""
    if kind not in MODERATION_KINDS:
        raise ValueError(f"Not a moderation notification: {kind}")
    ids = [uid for uid in set(recipient_ids) if uid and uid != actor.pk]
    Notification.objects.filter(post=post, kind=kind, recipient_id__in=ids).delete()
    refresh_unread_counts(user_ids=ids)
    wanted = {uid: (kind, reason) for uid in ids}
    return _create(post=post, wanted=wanted, actor=actor)


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
    user_ids is None)."""
    unread = (
        Notification.objects.filter(
            recipient=OuterRef("pk"), read_at__isnull=True, withdrawn=False
        )
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    users = (
        User.objects.all()
        if user_ids is None
        else User.objects.filter(pk__in=list(user_ids))
    )
    users.update(unread_notifications=Coalesce(Subquery(unread), 0))


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


# Email


def _queue_emails(ids: list[int]) -> None:
    if not ids:
        return
    from .tasks import send_notification_email_task

    def enqueue():
        for pk in ids:
            send_notification_email_task.enqueue(notification_id=pk)

    transaction.on_commit(enqueue)


def absolute(path: str) -> str:
    return settings.FORUM_BASE_URL.rstrip("/") + path


def unsubscribe_token(*, user: User, what: str) -> str:
    """A signed token that stops one kind of email (an email_* field) or the
    digest, for whoever holds it, signed in or not."""
    return signing.dumps({"u": user.pk, "w": what}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The user and email choice a token names; None if tampered, expired or
    stale."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    what = data.get("w")
    if what != DIGEST and what not in EMAIL_FIELDS.values():
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    return (user, what) if user else None


def unsubscribe_url(*, user: User, what: str) -> str:
    token = unsubscribe_token(user=user, what=what)
    return absolute(reverse("forum:unsubscribe", args=[token]))


EMAIL_LABELS = {
    "email_follow_up": _("follow-up questions from facilitators"),
    "email_mention": _("mentions of you"),
    "email_quote": _("quotes of your posts"),
    "email_reply": _("replies to your posts"),
    "email_watched": _("new posts in what you watch"),
    "email_moderation": _("what became of your posts and reports"),
    DIGEST: _("the daily digest"),
}


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


@contextmanager
def recipient_locale(user: User):
    """Render for this recipient: their language (else the site's) and their
    time zone (else the site's TIME_ZONE)."""
    language = user_language(user) or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user_time_zone(user)):
        yield


def _may_email(user: User) -> bool:
    return user.pk in _emailable_ids([user.pk])


def headline(notification: Notification) -> str:
    """One line saying what happened, for pages and emails."""
    actor = notification.actor_name or gettext("Someone")
    return HEADLINES[notification.kind] % {
        "actor": actor,
        "title": notification.topic.title,
    }


HEADLINES = {
    Kind.FOLLOW_UP: _("%(actor)s asked you a follow-up question in “%(title)s”"),
    Kind.MENTION: _("%(actor)s mentioned you in “%(title)s”"),
    Kind.QUOTE: _("%(actor)s quoted you in “%(title)s”"),
    Kind.REPLY: _("%(actor)s replied to you in “%(title)s”"),
    Kind.WATCHED: _("%(actor)s posted in “%(title)s”"),
    Kind.POST_HIDDEN: _("Your post in “%(title)s” was hidden"),
    Kind.POST_UNHIDDEN: _("Your post in “%(title)s” is shown again"),
    Kind.REPORT_HANDLED: _("Your report on a post in “%(title)s” was handled"),
}

# Reasons are stored in English when a notification is made (one row serves
# whoever reads it later) and shown in the reader's language.
WATCHED_TOPIC_REASON = "You watch this topic."
NEW_TOPIC_REASON = re.compile(r"New topic in (?P<name>.+)\.\Z", re.S)
WATCHED_CATEGORY_REASON = re.compile(r"You watch (?P<name>.+)\.\Z", re.S)
REPORT_OUTCOMES = ("The post was hidden.", "The post stays as it is.")


def reason_text(reason: str) -> str:
    """A notification's stored reason in the reader's language."""
    if reason == WATCHED_TOPIC_REASON:
        return gettext("You watch this topic.")
    for outcome in REPORT_OUTCOMES:
        if reason.startswith(outcome):
            rest = reason[len(outcome) :].strip()
            return " ".join(
                filter(None, [gettext(outcome), gettext(rest) if rest else ""])
            )
    if match := NEW_TOPIC_REASON.match(reason):
        return gettext("New topic in %(name)s.") % match.groupdict()
    if match := WATCHED_CATEGORY_REASON.match(reason):
        return gettext("You watch %(name)s.") % match.groupdict()
    return gettext(reason) if reason else ""


# The reasons above, for the translation catalogue.
_REASON_TEXTS = (
    _("The post was hidden."),
    _("The post stays as it is."),
)


def _can_read(user: User, post: Post) -> bool:
    return permissions.can_see_post_text(user, post)


def _send(*, user: User, subject: str, template: str, context: dict, what: str) -> None:
    link = unsubscribe_url(user=user, what=what)
    context = {**context, "user": user, "unsubscribe_url": link}
    context["unsubscribe_label"] = EMAIL_LABELS[what]
    context["settings_url"] = absolute(reverse("forum:notification_settings"))
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"forum/email/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"forum/email/{template}.html", context), "text/html"
    )
    message.send()


def send_notification_email(*, notification_id: int) -> bool:
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
    if notification.withdrawn or not _may_email(user):
        Notification.objects.filter(pk=notification_id).update(email_state=Email.NONE)
        return False
    post = notification.post
    try:
        with recipient_locale(user):
            _send(
                user=user,
                subject=headline(notification),
                template="notification",
                context={
                    "notification": notification,
                    "headline": headline(notification),
                    "reason": reason_text(notification.reason),
                    "post": post,
                    "show_text": _can_read(user, post),
                    "post_url": absolute(post.get_absolute_url()),
                    "reply_url": _reply_url(post),
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


def _reply_url(post: Post) -> str:
    return absolute(reverse("forum:reply", args=[post.topic_id]) + f"?parent={post.pk}")


# Digests


def _digest_candidates() -> set[int]:
    waiting = Notification.objects.filter(
        email_state=Email.DIGEST, read_at__isnull=True, withdrawn=False
    ).values_list("recipient_id", flat=True)
    dialogues = Watch.objects.filter(
        level=Watch.Level.DIGEST, topic__post_count__gt=F("digest_up_to")
    ).values_list("user_id", flat=True)
    return set(waiting) | set(dialogues)


def send_digests(*, now: datetime | None = None) -> int:
    """Send today's digest to everyone who has one waiting (once per user per
    day); return how many went."""
    today = (now or timezone.now()).date()
    return sum(
        send_digest(user=user, today=today)
        for user in User.objects.filter(pk__in=_digest_candidates()).order_by("pk")
    )


def _claim_day(*, user: User, today: date) -> date | bool | None:
    """Claim today's digest for user: False if it already went, else the day of
    the previous one (None if never)."""
    NotificationSettings.objects.get_or_create(user=user)
    previous = (
        NotificationSettings.objects.filter(pk=user.pk)
        .values_list("last_digest_on", flat=True)
        .first()
    )
    claimed = (
        NotificationSettings.objects.filter(pk=user.pk)
        .exclude(last_digest_on=today)
        .update(last_digest_on=today)
    )
    return previous if claimed else False


def _digest_notifications(user: User) -> list[Notification]:
    return list(
        Notification.objects.filter(
            recipient=user,
            email_state=Email.DIGEST,
            read_at__isnull=True,
            withdrawn=False,
        )
        .filter(permissions.visible_categories(user, "topic__category__"))
        .select_related("post__topic__category", "post__parent", "topic")
        .order_by("created_at", "pk")
    )


def _dialogue_posts(user: User) -> tuple[list[Watch], dict[int, list[Post]]]:
    watches = list(
        Watch.objects.filter(
            user=user,
            level=Watch.Level.DIGEST,
            topic__post_count__gt=F("digest_up_to"),
        )
        .filter(permissions.visible_categories(user, "topic__category__"))
        .select_related("topic__category")
    )
    posts: dict[int, list[Post]] = {}
    for watch in watches:
        posts[watch.topic_id] = list(
            Post.objects.filter(
                topic_id=watch.topic_id,
                status=Post.Status.PUBLISHED,
                position__gt=watch.digest_up_to,
                is_hidden=False,
            )
            .exclude(author=user)
            .select_related("topic", "parent")
            .order_by("position")[: DIGEST_POSTS_PER_DIALOGUE + 1]
        )
    return watches, posts


COUNT_WORDS = {
    Kind.FOLLOW_UP: ngettext_lazy(
        "%(count)s question from a facilitator to you",
        "%(count)s questions from facilitators to you",
        "count",
    ),
    Kind.MENTION: ngettext_lazy(
        "%(count)s mention of you", "%(count)s mentions of you", "count"
    ),
    Kind.QUOTE: ngettext_lazy(
        "%(count)s reply quoting you", "%(count)s replies quoting you", "count"
    ),
    Kind.REPLY: ngettext_lazy(
        "%(count)s reply to you", "%(count)s replies to you", "count"
    ),
    Kind.POST_HIDDEN: ngettext_lazy(
        "%(count)s post of yours hidden", "%(count)s posts of yours hidden", "count"
    ),
    Kind.POST_UNHIDDEN: ngettext_lazy(
        "%(count)s post of yours shown again",
        "%(count)s posts of yours shown again",
        "count",
    ),
    Kind.REPORT_HANDLED: ngettext_lazy(
        "%(count)s report handled", "%(count)s reports handled", "count"
    ),
    Kind.WATCHED: ngettext_lazy("%(count)s new post", "%(count)s new posts", "count"),
}
CONCERN = [*PRECEDENCE[:-1], *MODERATION_KINDS, Kind.WATCHED]


def digest_summary(counts: dict[str, int]) -> str:
    """ "1 question from a facilitator to you; 2 replies quoting you; 5 new
    posts": most concerning first."""
    parts = []
    for kind in CONCERN:
        n = counts.get(kind, 0)
        if n:
            parts.append(COUNT_WORDS[kind] % {"count": n})
    return "; ".join(parts)


def _digest_groups(user, notifications, watches, dialogue_posts):
    """Per dialogue: its notifications and new posts, the most concerning
    dialogue first."""
    groups: dict[int, dict] = {}

    def group(topic):
        return groups.setdefault(
            topic.pk,
            {
                "topic": topic,
                "url": absolute(topic.get_absolute_url()),
                "items": [],
                "concern": len(CONCERN),
                "more": 0,
            },
        )

    counts: dict[str, int] = defaultdict(int)
    seen: set[int] = set()
    for n in notifications:
        g = group(n.topic)
        g["concern"] = min(g["concern"], CONCERN.index(n.kind))
        g["items"].append(_digest_item(user, n.post, headline=headline(n)))
        counts[n.kind] += 1
        seen.add(n.post_id)
    for watch in watches:
        g = group(watch.topic)
        posts = dialogue_posts.get(watch.topic_id, [])
        if len(posts) > DIGEST_POSTS_PER_DIALOGUE:
            posts = posts[:DIGEST_POSTS_PER_DIALOGUE]
            g["more"] = watch.topic.post_count - posts[-1].position
        for post in posts:
            if post.pk in seen:
                continue
            g["items"].append(_digest_item(user, post, headline=""))
            counts[Kind.WATCHED] += 1
    ordered = sorted(groups.values(), key=lambda g: (g["concern"], g["topic"].pk))
    return ordered, digest_summary(counts)


def _digest_item(user: User, post: Post, *, headline: str) -> dict:
    return {
        "headline": headline,
        "post": post,
        "show_text": _can_read(user, post) and not post.is_hidden,
        "post_url": absolute(post.get_absolute_url()),
        "reply_url": _reply_url(post),
    }


def send_digest(*, user: User, today: date) -> bool:
    """Send one user's digest for today unless it already went: the unread
    notifications waiting for it, and the new posts of the dialogues whose
    digest they take, grouped by dialogue. Return whether it went."""
    previous = _claim_day(user=user, today=today)
    if previous is False:
        return False
    choice = settings_for(user_ids=[user.pk])[user.pk]
    notifications = _digest_notifications(user)
    watches, dialogue_posts = _dialogue_posts(user)
    if not choice.digest or not _may_email(user):
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            email_state=Email.NONE
        )
        return False
    with recipient_locale(user):
        groups, summary = _digest_groups(user, notifications, watches, dialogue_posts)
    if not any(g["items"] for g in groups):
        NotificationSettings.objects.filter(pk=user.pk).update(last_digest_on=previous)
        return False
    try:
        with recipient_locale(user):
            _send(
                user=user,
                subject=gettext("Your daily digest: %(summary)s")
                % {"summary": summary},
                template="digest",
                context={"groups": groups, "summary": summary, "today": today},
                what=DIGEST,
            )
    except Exception:
        NotificationSettings.objects.filter(pk=user.pk).update(last_digest_on=previous)
        raise
    Notification.objects.filter(
        pk__in=[n.pk for n in notifications], email_state=Email.DIGEST
    ).update(email_state=Email.DIGESTED)
    for watch in watches:
        posts = dialogue_posts.get(watch.topic_id, [])
        if posts:
            last = posts[:DIGEST_POSTS_PER_DIALOGUE][-1].position
            Watch.objects.filter(pk=watch.pk).update(digest_up_to=last)
    return True
