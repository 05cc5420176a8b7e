"""Page data for the facilitators' and admins' pages (constant queries each)."""

from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from attachments import queries as attachment_queries
from forum.models import Category, Post, Topic
from forum.permissions import (
    facilitated_category_ids,
    is_admin,
    readers_of_category,
    visible_categories,
)

from .models import AuditEntry, Facilitator, Report


def dashboard(*, viewer) -> list[Category]:
    """The viewer's categories with open report and pending post counts."""
    ids = facilitated_category_ids(viewer)
    return list(
        Category.objects.filter(pk__in=ids)
        .annotate(
            open_reports=Count(
                "topics__posts__reports",
                filter=Q(topics__posts__reports__status=Report.Status.OPEN),
                distinct=True,
            ),
            pending_posts=Count(
                "topics__posts",
                filter=Q(topics__posts__status=Post.Status.PENDING),
                distinct=True,
            ),
        )
        .order_by("position", "name")
    )


def report_queue(*, viewer) -> list[Report]:
    """Open reports in the viewer's categories, oldest first."""
    ids = facilitated_category_ids(viewer)
    return list(
        Report.objects.filter(
            status=Report.Status.OPEN, post__topic__category_id__in=ids
        )
        .select_related("post", "post__topic", "post__topic__category", "reporter")
        .order_by("created_at")[:200]
    )


def add_attachments(posts) -> None:
    """Give each post its attachments as post.attached_files, in one query for
    all of them: a queue shows a post's files even where its text no longer
    shows them (an image taken out of the text by an edit stays attached)."""
    found = attachment_queries.of_posts({post.pk for post in posts})
    for post in posts:
        post.attached_files = found.get(post.pk, [])


def my_reports(*, viewer) -> list[Report]:
    """The viewer's own reports and what became of them."""
    return list(
        Report.objects.filter(
            visible_categories(viewer, "post__topic__category__"), reporter=viewer
        )
        .select_related("post", "post__topic")
        .order_by("-created_at")[:50]
    )


def approval_queue(*, viewer) -> list[Post]:
    """Posts awaiting approval in the viewer's categories, oldest first."""
    ids = facilitated_category_ids(viewer)
    return list(
        Post.objects.filter(status=Post.Status.PENDING, topic__category_id__in=ids)
        .select_related("topic", "topic__category")
        .order_by("created_at")[:200]
    )


def rephrased_queue(*, viewer) -> list[Post]:
    """Hidden posts in the viewer's categories that their authors rephrased
    since, to be shown again or left hidden; oldest edit first."""
    ids = facilitated_category_ids(viewer)
    return list(
        Post.objects.filter(
            is_hidden=True,
            edited_at__gt=F("hidden_at"),
            topic__category_id__in=ids,
        )
        .exclude(body="")
        .select_related("topic", "topic__category")
        .order_by("edited_at")[:200]
    )


def audit_log(
    *, viewer, action: str = "", category=None, actor: str = ""
) -> list[AuditEntry]:
    """Audit entries the viewer may see (their categories; all for admins)."""
    entries = AuditEntry.objects.select_related("category")
    if not is_admin(viewer):
        entries = entries.filter(category_id__in=facilitated_category_ids(viewer))
    if action:
        entries = entries.filter(action=action)
    if category is not None:
        entries = entries.filter(category=category)
    if actor:
        entries = entries.filter(actor__username=actor)
    return list(entries.order_by("-created_at", "-pk")[:200])


def user_list(*, q: str = "", role: str = "") -> list[User]:
    """Users with their post counts, last visit and roles, for admins."""
    users = User.objects.annotate(post_total=Count("posts", distinct=True))
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(email__icontains=q)
        )
    if role == "staff":
        users = users.filter(is_staff=True)
    elif role == "facilitator":
        users = users.filter(is_facilitator=True)
    elif role == "suspended":
        users = users.filter(suspended_at__isnull=False).filter(
            Q(suspended_until__isnull=True) | Q(suspended_until__gt=timezone.now())
        )
    return list(users.order_by("-last_login", "username")[:200])


def user_roles(*, user) -> list[Facilitator]:
    return list(Facilitator.objects.filter(user=user).select_related("category"))


def participants_losing_access(*, topic: Topic, category: Category) -> list[User]:
    """The people who wrote in topic and could not see it in category (a
    members-only one they are not members of), by name (three queries)."""
    writers = set(
        Post.objects.filter(topic=topic, author__isnull=False).values_list(
            "author_id", flat=True
        )
    )
    keeping = readers_of_category(category=category, user_ids=writers)
    return list(
        User.objects.filter(pk__in=writers - keeping, is_active=True).order_by(
            "username"
        )
    )


def posts_hidden_by_suspension(*, user: User) -> list[Post]:
    """The posts of a suspended user that suspend_and_hide hid with the current
    suspension and that are still hidden (its audit entry lists them)."""
    entry = (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.SUSPEND,
            target_user=user,
            created_at__gte=user.suspended_at,
        )
        .order_by("-created_at", "-pk")
        .first()
        if user.suspended_at
        else None
    )
    ids = (entry.after.get("hidden_posts") or []) if entry else []
    return list(Post.objects.filter(pk__in=ids, is_hidden=True).order_by("pk"))


def bulk_suspension_preview(*, user_ids: list[int], actor: User) -> list[User]:
    """The accounts a bulk suspension would cover (never the actor's own), by
    username, each with `posts_to_hide`: its posts not hidden yet."""
    return list(
        User.objects.filter(pk__in=user_ids)
        .exclude(pk=actor.pk)
        .annotate(posts_to_hide=Count("posts", filter=Q(posts__is_hidden=False)))
        .order_by("username")
    )
