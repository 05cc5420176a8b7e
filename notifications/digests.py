"""The daily digest: one email a day per reader, grouping by dialogue the
notifications waiting for it and the new posts of dialogues followed by
digest."""

from collections import defaultdict
from datetime import date, datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, ngettext_lazy

from accounts.middleware import user_time_zone
from accounts.models import User
from forum import permissions
from forum.models import Post

from .emails import absolute, recipient_locale, reply_url, send_email
from .models import DIGEST, MODERATION_KINDS, Notification, NotificationSettings, Watch
from .queries import emailable_ids, settings_for
from .services import PRECEDENCE

Kind = Notification.Kind
Email = Notification.Email

# A dialogue digest shows at most this many new posts of one dialogue.
DIGEST_POSTS_PER_DIALOGUE = 50

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
    Kind.POST_RETURNED: ngettext_lazy(
        "%(count)s post of yours returned to you",
        "%(count)s posts of yours returned to you",
        "count",
    ),
    Kind.REPORT_HANDLED: ngettext_lazy(
        "%(count)s report handled", "%(count)s reports handled", "count"
    ),
    Kind.WATCHED: ngettext_lazy("%(count)s new post", "%(count)s new posts", "count"),
}
CONCERN = [*PRECEDENCE[:-1], *MODERATION_KINDS, Kind.WATCHED]


def digest_candidates() -> set[int]:
    """Users who may have a digest waiting."""
    waiting = Notification.objects.filter(
        email_state=Email.DIGEST, read_at__isnull=True, withdrawn=False
    ).values_list("recipient_id", flat=True)
    dialogues = Watch.objects.filter(
        level=Watch.Level.DIGEST, topic__post_count__gt=F("digest_up_to")
    ).values_list("user_id", flat=True)
    return set(waiting) | set(dialogues)


def due_digests(*, now: datetime) -> list[tuple[User, date]]:
    """(user, their own day) for each candidate whose chosen hour has come in
    their time zone and whose digest for that day has not gone yet."""
    candidates = digest_candidates()
    users = User.objects.filter(pk__in=candidates).only("pk", "time_zone")
    choices = settings_for(user_ids=list(candidates))
    due = []
    for user in users.order_by("pk"):
        choice = choices[user.pk]
        # An unknown zone name: the site's TIME_ZONE, as pages show it.
        local = timezone.localtime(now, user_time_zone(user))
        hour = choice.digest_hour
        if hour is None:
            hour = settings.FORUM_DIGEST_HOUR
        last = choice.last_digest_on
        if local.hour >= hour and (last is None or last < local.date()):
            due.append((user, local.date()))
    return due


def claim_digest_day(*, user: User, day: date) -> date | bool | None:
    """Claim the user's digest for their day: False if it already went (that
    day or a later one, after a change of time zone), else the day of the
    previous one (None if never). Call inside the transaction that queues it."""
    NotificationSettings.objects.get_or_create(user=user)
    row = NotificationSettings.objects.select_for_update().get(pk=user.pk)
    previous = row.last_digest_on
    if previous is not None and previous >= day:
        return False
    NotificationSettings.objects.filter(pk=user.pk).update(last_digest_on=day)
    return previous


def release_digest_day(*, user: User, day: date, previous: date | None) -> None:
    """Give back a claimed day whose digest did not go, so a later run sends it."""
    NotificationSettings.objects.filter(pk=user.pk, last_digest_on=day).update(
        last_digest_on=previous
    )


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
        g["items"].append(_digest_item(user, n.post, headline=n.headline()))
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
        "show_text": permissions.can_see_post_text(user, post) and not post.is_hidden,
        "post_url": absolute(post.get_absolute_url()),
        "reply_url": reply_url(post),
    }


def send_digest(*, user: User, today: date) -> bool:
    """Send one user's digest for the day claimed by claim_digest_day: the
    unread notifications waiting for it, and the new posts of the dialogues
    whose digest they take, grouped by dialogue. Return whether it went."""
    choice = settings_for(user_ids=[user.pk])[user.pk]
    notifications = _digest_notifications(user)
    watches, dialogue_posts = _dialogue_posts(user)
    if not choice.digest or user.pk not in emailable_ids([user.pk]):
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            email_state=Email.NONE
        )
        return False
    with recipient_locale(user):
        groups, summary = _digest_groups(user, notifications, watches, dialogue_posts)
    # Nothing the reader may still see: the day stays claimed, so runs every few
    # minutes do not queue this reader again and again until tomorrow.
    if not any(g["items"] for g in groups):
        return False
    with recipient_locale(user):
        send_email(
            user=user,
            subject=gettext("Your daily digest: %(summary)s") % {"summary": summary},
            template="digest",
            context={"groups": groups, "summary": summary, "today": today},
            what=DIGEST,
        )
    Notification.objects.filter(
        pk__in=[n.pk for n in notifications], email_state=Email.DIGEST
    ).update(email_state=Email.DIGESTED)
    for watch in watches:
        posts = dialogue_posts.get(watch.topic_id, [])
        if posts:
            last = posts[:DIGEST_POSTS_PER_DIALOGUE][-1].position
            Watch.objects.filter(pk=watch.pk).update(digest_up_to=last)
    return True
