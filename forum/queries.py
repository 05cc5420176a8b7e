"""Page data for the forum's views: every query a page runs is here."""

from dataclasses import dataclass, field
from math import ceil

from django.conf import settings

from . import permissions
from .models import Category, Post, Topic, TopicRead

POST_FIELDS = [
    "id",
    "topic_id",
    "position",
    "path",
    "depth",
    "subject",
    "body",
    "body_html",
    "created_at",
    "edited_at",
    "author_name",
    "quoting_id",
    "author__id",
    "author__username",
    "author__display_name",
    "author__is_staff",
    "author__signature_html",
    "parent__id",
    "parent__author_name",
    "parent__position",
    "parent__depth",
]


@dataclass
class PageInfo:
    number: int
    count: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def page_range(self) -> list[int]:
        """Page numbers to link, with None for a gap, for long topics."""
        near = {1, self.num_pages, *range(self.number - 2, self.number + 3)}
        pages = sorted(p for p in near if 1 <= p <= self.num_pages)
        out: list[int | None] = []
        for p in pages:
            if out and out[-1] is not None and p - out[-1] > 1:
                out.append(None)
            out.append(p)
        return out


def page_number(raw: str | None, *, count: int, per_page: int) -> int | None:
    """The page asked for, 1 when absent; None when it does not exist."""
    if raw in (None, ""):
        return 1
    try:
        number = int(raw)
    except ValueError:
        return None
    if number < 1 or number > max(1, ceil(count / per_page)):
        return None
    return number


def index_page() -> list[Category]:
    """Categories with counters and their last post (one query)."""
    return list(
        Category.objects.select_related("last_post").only(
            "id",
            "name",
            "slug",
            "description",
            "position",
            "topic_count",
            "post_count",
            "last_post_at",
            "last_post__id",
            "last_post__author_name",
            "last_post__created_at",
            "last_post__topic_id",
        )
    )


@dataclass
class TopicRow:
    topic: Topic
    new_count: int = 0


def category_page(*, category: Category, viewer, page: int) -> tuple[list, PageInfo]:
    """A page of a category's topics, pinned first, with the viewer's unread counts."""
    info = PageInfo(
        number=page, count=category.topic_count, per_page=settings.FORUM_TOPICS_PER_PAGE
    )
    topics = list(
        Topic.objects.filter(category=category)
        .in_list_order()
        .select_related("last_post")
        .only(
            "id",
            "title",
            "author_name",
            "author_id",
            "created_at",
            "is_locked",
            "is_pinned",
            "post_count",
            "last_post_at",
            "category_id",
            "last_post__id",
            "last_post__author_name",
            "last_post__created_at",
        )[info.offset : info.offset + info.per_page]
    )
    marks = read_marks(viewer=viewer, topic_ids=[t.pk for t in topics])
    rows = [
        TopicRow(
            topic=t,
            new_count=(
                max(0, t.post_count - marks.get(t.pk, 0))
                if viewer.is_authenticated
                else 0
            ),
        )
        for t in topics
    ]
    return rows, info


def read_marks(*, viewer, topic_ids: list[int]) -> dict[int, int]:
    """topic id -> read-up-to position for a signed-in viewer (one query)."""
    if not viewer.is_authenticated or not topic_ids:
        return {}
    return dict(
        TopicRead.objects.filter(user=viewer, topic_id__in=topic_ids).values_list(
            "topic_id", "read_up_to"
        )
    )


@dataclass
class TopicPage:
    topic: Topic
    posts: list[Post]
    info: PageInfo
    view: str
    read_up_to: int | None = None
    facilitators: set[int] = field(default_factory=set)

    @property
    def new_count(self) -> int:
        return max(0, self.topic.post_count - (self.read_up_to or 0))


def topic_posts(*, topic: Topic, view: str, info: PageInfo) -> list[Post]:
    order = "path" if view == "threaded" else "position"
    return list(
        Post.objects.filter(topic=topic)
        .select_related("author", "parent")
        .only(*POST_FIELDS)
        .order_by(order)[info.offset : info.offset + info.per_page]
    )


def topic_page(*, topic: Topic, viewer, view: str, page: int) -> TopicPage:
    """One page of a topic in threaded or flat order, with badges and read state."""
    from moderation.permissions import facilitator_ids

    info = PageInfo(
        number=page, count=topic.post_count, per_page=settings.FORUM_POSTS_PER_PAGE
    )
    posts = topic_posts(topic=topic, view=view, info=info)
    facilitators = facilitator_ids(category_id=topic.category_id)
    editable = permissions.editable_post_ids(
        viewer, topic=topic, posts=posts, facilitators=facilitators
    )
    read_up_to = None
    if viewer.is_authenticated:
        read_up_to = read_marks(viewer=viewer, topic_ids=[topic.pk]).get(topic.pk)
    for post in posts:
        post.role = role_of(post, facilitators)
        post.is_new = (
            viewer.is_authenticated
            and post.author_id != viewer.pk
            and post.position > (read_up_to or 0)
        )
        post.is_capped = bool(post.parent_id and post.parent.depth >= post.depth)
        post.can_edit = post.pk in editable
    return TopicPage(
        topic=topic,
        posts=posts,
        info=info,
        view=view,
        read_up_to=read_up_to,
        facilitators=facilitators,
    )


def role_of(post: Post, facilitators: set[int]) -> str:
    if post.author is None:
        return ""
    if post.author.is_staff:
        return "Admin"
    if post.author_id in facilitators:
        return "Facilitator"
    return "Participant"


def post_page_number(*, post: Post, view: str) -> int:
    """The page of its topic a post is on now, in the given view (one query)."""
    siblings = Post.objects.filter(topic_id=post.topic_id)
    if view == "threaded":
        before = siblings.filter(path__lt=post.path).count()
    else:
        before = siblings.filter(position__lt=post.position).count()
    return before // settings.FORUM_POSTS_PER_PAGE + 1


def first_unread_post(*, topic: Topic, viewer) -> Post | None:
    """The first post the viewer has not read, or the last post if none."""
    mark = read_marks(viewer=viewer, topic_ids=[topic.pk]).get(topic.pk, 0)
    posts = Post.objects.filter(topic=topic).only("id")
    return (
        posts.filter(position__gt=mark).order_by("position").first()
        or posts.order_by("-position").first()
    )


def profile_page(*, user) -> dict:
    """A user's recent topics and posts for their public profile."""
    topics = list(
        Topic.objects.filter(author=user)
        .select_related("category")
        .only(
            "id",
            "title",
            "created_at",
            "post_count",
            "category__name",
            "category__slug",
        )
        .order_by("-created_at")[:20]
    )
    posts = list(
        Post.objects.filter(author=user)
        .select_related("topic")
        .only("id", "subject", "body", "created_at", "topic__id", "topic__title")
        .order_by("-created_at")[:20]
    )
    return {"topics": topics, "posts": posts}
