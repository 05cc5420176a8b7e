"""Reads: a reader's notifications, their choices, who a post concerns."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from forum import permissions
from forum.mentions import mentioned_user_ids
from forum.models import Post, first_words
from forum.queries import PageInfo, page_number

from .models import (
    GROUPED_KINDS,
    Notification,
    NotificationSettings,
    Watch,
    unread_group_key,
)

Kind = Notification.Kind
Reason = Notification.Reason


def settings_for(*, user_ids) -> dict[int, NotificationSettings]:
    """Each user's notification settings, the defaults where they chose none."""
    found = {s.user_id: s for s in NotificationSettings.objects.filter(pk__in=user_ids)}
    return {
        uid: found.get(uid) or NotificationSettings(user_id=uid) for uid in user_ids
    }


def emailable_ids(user_ids) -> set[int]:
    """Users who may get email: active, not suspended, primary address verified."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), verified=True, email__iexact=OuterRef("email")
    )
    users = User.objects.filter(pk__in=user_ids, is_active=True).filter(
        Q(suspended_at__isnull=True)
        | Q(suspended_until__isnull=False, suspended_until__lte=timezone.now())
    )
    return set(users.filter(Exists(verified)).values_list("pk", flat=True))


def post_audience(*, post: Post, mentioned: list[str], mentions_only: bool):
    """(user id, kind, reason, reason parameters) for everyone a post may
    concern, most concerning first; a reader appears again for lesser
    reasons."""
    if post.follow_up_for_id and not mentions_only:
        yield post.follow_up_for_id, Kind.FOLLOW_UP, Reason.NONE, {}
    for uid in mentioned_user_ids(mentioned):
        yield uid, Kind.MENTION, Reason.NONE, {}
    if mentions_only:
        return
    authors = dict(
        Post.objects.filter(
            pk__in=[p for p in (post.quoting_id, post.parent_id) if p]
        ).values_list("pk", "author_id")
    )
    if post.quoting_id:
        yield authors.get(post.quoting_id), Kind.QUOTE, Reason.NONE, {}
    if post.parent_id:
        yield authors.get(post.parent_id), Kind.REPLY, Reason.NONE, {}
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
    for user_id, level in levels.items():
        if level == Watch.Level.WATCHING:
            yield user_id, Kind.WATCHED, Reason.WATCHED_TOPIC, {}
    opening = post.pk == topic.first_post_id
    reason = Reason.NEW_TOPIC if opening else Reason.WATCHED_CATEGORY
    params = {"name": topic.category.name}
    for user_id in by_category:
        # Muting a topic, or taking its digest, overrides watching its category.
        if user_id not in levels:
            yield user_id, Kind.WATCHED, reason, params


def notifications_page(*, viewer: User, raw_page: str | None):
    """One page of a reader's notifications, newest first, each with its headline
    and, where the reader may read the post, an excerpt; None if no such page.
    Unread notifications of a grouped kind in one topic are one item ("5 new
    replies in …"), shown by its first unread post (`group_size`,
    `group_latest`). Notifications of posts the reader can no longer see are
    left out."""
    rows = Notification.objects.filter(recipient=viewer, withdrawn=False).filter(
        permissions.visible_categories(viewer, "topic__category__")
    )
    groups = (
        rows.order_by()
        .annotate(group=unread_group_key())
        .values("group")
        .annotate(
            size=Count("pk"), first=Min("pk"), last=Max("pk"), latest=Max("created_at")
        )
        .order_by("-latest", "-last")
    )
    per_page = settings.FORUM_TOPICS_PER_PAGE
    number = page_number(raw_page, count=(count := groups.count()), per_page=per_page)
    if number is None:
        return None
    info = PageInfo(number=number, count=count, per_page=per_page)
    shown = list(groups[info.offset : info.offset + per_page])
    found = (
        Notification.objects.select_related("topic", "post").in_bulk(
            [group["first"] for group in shown]
        )
        if shown
        else {}
    )
    items = []
    for group in shown:
        item = found[group["first"]]
        item.group_size = group["size"]
        item.group_latest = group["latest"]
        item.title_line = item.group_headline(group["size"])
        items.append(item)
    moderated = permissions.facilitated_category_ids(viewer) if items else set()
    for item in items:
        post = item.post
        readable = post.author_id == viewer.pk or item.topic.category_id in moderated
        item.show_text = readable or not post.is_hidden
        item.excerpt = first_words(post.body, 30) if item.show_text else ""
    return items, info


def unread_group_ids(*, viewer: User, pk: int) -> list[int]:
    """The ids of the viewer's unread notifications shown as one item with
    notification pk (just pk for one that stands alone; none if not theirs)."""
    first = Notification.objects.filter(recipient=viewer, pk=pk).first()
    if first is None:
        return []
    if first.read_at is not None or first.kind not in GROUPED_KINDS:
        return [first.pk]
    return list(
        Notification.objects.filter(
            recipient=viewer,
            topic_id=first.topic_id,
            kind=first.kind,
            reason=first.reason,
            read_at__isnull=True,
        ).values_list("pk", flat=True)
    )


def watches_of(*, user: User):
    """What a user watches, newest first, with its topic or category."""
    return (
        Watch.objects.filter(user=user)
        .select_related("topic", "category")
        .order_by("-created_at")
    )


def topic_watch_level(*, user: User, topic) -> str:
    """How a user follows a topic (muted if they never chose)."""
    current = Watch.objects.filter(user=user, topic=topic).first()
    return current.level if current else Watch.Level.MUTED


def watches_category(*, user: User, category) -> bool:
    """Whether a user watches a whole category."""
    return Watch.objects.filter(user=user, category=category).exists()
