"""Page data for the forum's views: every query a page runs is here."""

import difflib
from dataclasses import dataclass, field
from math import ceil

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404
from django.utils.functional import SimpleLazyObject

from . import permissions, search
from .models import Category, Draft, Post, Topic, TopicRead
from .models.core import LIST_COLUMNS

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
    "follow_up_for_id",
    "follow_up_answered_at",
    "status",
    "return_reason",
    "is_hidden",
    "hidden_reason",
    "hidden_by_name",
    "hidden_at",
    "version",
    "author__id",
    "author__username",
    "author__display_name",
    "author__is_staff",
    "author__signature_html",
    "parent__id",
    "parent__author_name",
    "parent__position",
    "parent__depth",
    "follow_up_for__id",
    "follow_up_for__username",
    "follow_up_for__display_name",
]

# A row of a category's list: every column is in the list index (topic_list_idx).
LIST_FIELDS = ["id", "category_id", "is_pinned", "last_post_at", *LIST_COLUMNS]


@dataclass
class PageInfo:
    number: int
    count: int
    per_page: int
    # Other query parameters the page links keep (e.g. "prompt=3").
    extra: str = ""

    @property
    def num_pages(self) -> int:
        return max(1, ceil(self.count / self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    def from_far_end(self) -> tuple[int, int] | None:
        """For a page in the second half of the list: its slice of the list
        read backwards (so that no page skips more than half of it); else None.
        A page past the end is left to the caller (a 404)."""
        start, stop = self.offset, self.offset + self.per_page
        if not self.count // 2 < start < self.count:
            return None
        return max(0, self.count - stop), self.count - start

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


def index_page(*, viewer) -> list[Category]:
    """Categories the viewer may see, with counters and their last post."""
    return list(
        Category.objects.filter(permissions.visible_categories(viewer))
        .select_related("last_post")
        .only(
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


def index_versions(*, viewer) -> tuple:
    """What the index shows changes with: the visible categories' ids and
    versions (one query over the few categories)."""
    return tuple(
        Category.objects.filter(permissions.visible_categories(viewer))
        .order_by("pk")
        .values_list("pk", "version")
    )


def category_versions(*, viewer, slug: str) -> tuple | None:
    """What a category's pages show changes with: its version, and the phases of
    its topics whose phase changes with time alone (scheduled dialogues; two
    small queries). None if there is no such category for the viewer."""
    category = Category.objects.filter(slug=slug).only("pk", "version", "visibility")
    category = category.first()
    if category is None or not permissions.can_see_category(viewer, category):
        return None
    scheduled = (
        Topic.objects.filter(category=category, is_locked=False)
        .filter(Q(opens_at__isnull=False) | Q(closes_at__isnull=False))
        .only("pk", "is_locked", "opens_at", "closes_at")
        .order_by("pk")
    )
    return category.pk, category.version, tuple((t.pk, t.phase) for t in scheduled)


def topic_versions(*, viewer, pk: int) -> tuple | None:
    """What a topic's pages show changes with: its version and its phase (one
    query). None if there is no such topic for the viewer."""
    # Plain values with no ordering: this runs before every kept page, where
    # building model instances and an ORDER BY costs as much as the query itself.
    row = (
        Topic.objects.filter(pk=pk)
        .order_by()
        .values_list(
            "version",
            "is_locked",
            "opens_at",
            "closes_at",
            "category_id",
            "category__visibility",
        )[:1]
    )
    row = next(iter(row), None)
    if row is None:
        return None
    version, is_locked, opens_at, closes_at, category_id, visibility = row
    category = Category(pk=category_id, visibility=visibility)
    if not permissions.can_see_category(viewer, category):
        return None
    topic = Topic(pk=pk, is_locked=is_locked, opens_at=opens_at, closes_at=closes_at)
    return pk, version, topic.phase


@dataclass
class TopicRow:
    topic: Topic
    new_count: int = 0


def category_topics(*, category: Category, info: PageInfo) -> list[Topic]:
    """One page of a category's topics, pinned first, in one statement that
    PostgreSQL answers from the list index alone (an index-only scan of
    topic_list_idx, which includes every column a row shows). A page in the
    second half of the list walks the index backwards from its end, so no page
    skips more than half of the category."""
    ordered = Topic.objects.filter(category=category).in_list_order().only(*LIST_FIELDS)
    if (backwards := info.from_far_end()) is not None:
        return list(ordered.reverse()[backwards[0] : backwards[1]])[::-1]
    return list(ordered[info.offset : info.offset + info.per_page])


def category_page(*, category: Category, viewer, page: int) -> tuple[list, PageInfo]:
    """A page of a category's topics, pinned first, with the viewer's unread counts."""
    info = PageInfo(
        number=page, count=category.topic_count, per_page=settings.FORUM_TOPICS_PER_PAGE
    )
    topics = category_topics(category=category, info=info)
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


def topics_for_reader(*, viewer):
    """Topics annotated with the signed-in viewer's read mark (`viewer_read_up_to`),
    so that the topic page learns it in the same query as the topic."""
    # series_entry: facilitation's row, by its relation's name, so the page
    # knows without a query whether the topic is in a series.
    topics = Topic.objects.select_related("category", "series_entry")
    if not viewer.is_authenticated:
        return topics
    mark = TopicRead.objects.filter(topic=OuterRef("pk"), user=viewer)
    return topics.annotate(viewer_read_up_to=Subquery(mark.values("read_up_to")[:1]))


def category_for_reader(*, viewer, slug: str) -> Category:
    """The category (404 unless the viewer may see it)."""
    category = Category.objects.filter(slug=slug).first()
    if category is None or not permissions.can_see_category(viewer, category):
        raise Http404("No such category.")
    return category


def topic_for_reader(*, viewer, pk: int) -> Topic:
    """The topic with its category and its place in a series (facilitation's
    row, by its relation's name), 404 unless the viewer may see it, and the
    signed-in viewer's read mark as `viewer_read_up_to`, in one query."""
    return permissions.get_topic_for(
        viewer, pk=pk, topics=topics_for_reader(viewer=viewer)
    )


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
    moderator: bool = False
    unpublished: list[Post] = field(default_factory=list)
    # facilitation Prompt rows (topic.prompts), the one asked for
    prompts: list = field(default_factory=list)
    prompt: object | None = None
    follow_ups: list[Post] = field(default_factory=list)
    previous: Topic | None = None
    notes: dict = field(default_factory=dict)
    # How a signed-in reader stands to the page's posts (reader_relation).
    relation: str = ""

    @property
    def new_count(self) -> int:
        return max(0, self.topic.post_count - (self.read_up_to or 0))


def topic_posts(*, topic: Topic, view: str, info: PageInfo, prompt=None) -> list[Post]:
    order = "path" if view == "threaded" else "position"
    posts = Post.objects.filter(topic=topic, status=Post.Status.PUBLISHED)
    if prompt is not None:
        posts = posts.filter(prompts=prompt)
    # The page's ids first (a subquery walking the topic's index), so that a deep
    # page of a long topic does not join the rows it skips; a page in the second
    # half walks from the far end, so no page skips more than half the posts.
    start, stop = info.offset, info.offset + info.per_page
    ordered = posts.order_by(order)
    if (backwards := info.from_far_end()) is not None:
        ordered = posts.order_by(f"-{order}")
        start, stop = backwards
    return list(
        Post.objects.filter(pk__in=ordered.values("pk")[start:stop])
        .select_related("author", "parent", "follow_up_for")
        .only(*POST_FIELDS)
        .order_by(order)
    )


_OPEN_FOLLOW_UP = Q(
    follow_up_for__isnull=False,
    follow_up_answered_at__isnull=True,
    status=Post.Status.PUBLISHED,
    is_hidden=False,
)


def viewer_posts(
    *, topic: Topic, viewer, moderator: bool
) -> tuple[list[Post], list[Post]]:
    """In one query, the posts of the topic that concern this viewer: those
    awaiting approval or returned that they may see (their own, or all for the
    topic's facilitators), and facilitators' follow-up questions still awaiting
    their answer."""
    if not viewer.is_authenticated:
        return [], []
    unpublished = ~Q(status=Post.Status.PUBLISHED)
    if not moderator:
        unpublished &= Q(author=viewer)
    asked = Q(follow_up_for=viewer) & _OPEN_FOLLOW_UP
    posts = list(
        Post.objects.filter(unpublished | asked, topic=topic)
        .select_related("author", "parent", "follow_up_for")
        .only(*POST_FIELDS)
        .order_by("pk")
    )
    return (
        [p for p in posts if not p.is_published],
        [p for p in posts if p.is_published],
    )


def dialogue_prompts(*, topic: Topic) -> list:
    """A dialogue's prompting questions (facilitation's Prompt, reached as
    topic.prompts) with how many published replies answer each (one query)."""
    return list(
        topic.prompts.annotate(
            answer_count=Count(
                "answers", filter=Q(answers__status=Post.Status.PUBLISHED)
            )
        ).order_by("position", "pk")
    )


def previous_in_series(*, topic: Topic, viewer) -> Topic | None:
    """The dialogue before this one in its series that the viewer may see, for
    its summary as context, with its series (previous.series_entry.series).
    A topic's series is facilitation's row, reached by its relation's name."""
    try:
        entry = topic.series_entry
    except ObjectDoesNotExist:
        return None
    earlier = (
        Topic.objects.filter(
            series_entry__series=entry.series_id,
            created_at__lt=topic.created_at,
        )
        .select_related("category", "series_entry__series")
        .only(
            "id",
            "title",
            "summary_html",
            "summary_excerpt",
            "created_at",
            "category__id",
            "category__visibility",
            "series_entry__series__name",
            "series_entry__series__slug",
        )
        .order_by("-created_at")
    )
    seen: dict[int, bool] = {}  # one answer per category (a series rarely spans more)
    for candidate in earlier:
        category = candidate.category
        if category.pk not in seen:
            seen[category.pk] = permissions.can_see_category(viewer, category)
        if seen[category.pk]:
            return candidate
    return None


def topic_page(
    *, topic: Topic, viewer, view: str, page: int, prompt_id: int | None = None
) -> TopicPage | None:
    """One page of a topic in threaded or flat order, with badges and read state;
    optionally only the replies answering one prompt. None if no such prompt."""
    prompts = dialogue_prompts(topic=topic)
    facilitators = permissions.facilitator_ids(category_id=topic.category_id)
    prompt = None
    count = topic.post_count
    if prompt_id is not None:
        prompt = next((p for p in prompts if p.pk == prompt_id), None)
        if prompt is None:
            return None
        count = prompt.answer_count
    info = PageInfo(
        number=page,
        count=count,
        per_page=settings.FORUM_POSTS_PER_PAGE,
        extra=f"prompt={prompt.pk}&" if prompt else "",
    )
    moderator = permissions.is_moderator(viewer, facilitators)
    unpublished, follow_ups = viewer_posts(
        topic=topic, viewer=viewer, moderator=moderator
    )
    read_up_to = None
    if hasattr(topic, "viewer_read_up_to"):
        read_up_to = topic.viewer_read_up_to
    elif viewer.is_authenticated:
        read_up_to = read_marks(viewer=viewer, topic_ids=[topic.pk]).get(topic.pk)

    def shown(posts: list[Post]) -> list[Post]:
        editable = permissions.editable_post_ids(
            viewer, topic=topic, posts=posts, facilitators=facilitators
        )
        for post in posts:
            post.role = role_of(post, facilitators)
            post.show_text = permissions.can_see_post_text(viewer, post, facilitators)
            post.is_new = (
                viewer.is_authenticated
                and post.author_id != viewer.pk
                and post.position is not None
                and post.position > (read_up_to or 0)
            )
            post.is_capped = bool(
                post.parent_id and post.position and post.parent.depth >= post.depth
            )
            post.can_edit = post.pk in editable
            post.is_own = viewer.is_authenticated and post.author_id == viewer.pk
            post.notes = notes.get(post.pk, [])
        return posts

    def page_posts() -> list[Post]:
        return topic_posts(topic=topic, view=view, info=info, prompt=prompt)

    if viewer.is_authenticated:
        posts = page_posts()
        notes = _notes_for(posts + unpublished) if moderator else {}
        shown(posts + unpublished)
        relation = reader_relation(posts)
    else:
        # Signed-out readers all see the same post list, kept whole in a
        # {% cache %} block of topic_detail.html: their posts are read on first
        # use, when that block misses. They moderate nothing and have no
        # unpublished posts, so there are no notes.
        notes = {}
        relation = ""
        posts = SimpleLazyObject(lambda: shown(page_posts()))
    return TopicPage(
        topic=topic,
        posts=posts,
        info=info,
        view=view,
        read_up_to=read_up_to,
        facilitators=facilitators,
        moderator=moderator,
        unpublished=unpublished,
        prompts=prompts,
        prompt=prompt,
        follow_ups=follow_ups,
        previous=previous_in_series(topic=topic, viewer=viewer),
        notes=notes,
        relation=relation,
    )


def reader_relation(posts: list[Post]) -> str:
    """What of a page's post list is the signed-in reader's own: the posts new
    to them, theirs and editable by them. Readers of a page in the same relation
    (most have none of these on most pages) share its cached post list."""
    return " ".join(
        f"{post.pk}:{post.is_new:d}{post.is_own:d}{post.can_edit:d}"
        for post in posts
        if post.is_new or post.is_own or post.can_edit
    )


def _notes_for(posts: list[Post]) -> dict[int, list]:
    """Facilitators' annotations on these posts, by post id (one query).
    Annotation is facilitation's model, reached by its relation's name."""
    annotations = Post._meta.get_field("annotations").related_model
    notes: dict[int, list] = {}
    for note in annotations.objects.filter(post__in=[p.pk for p in posts]):
        notes.setdefault(note.post_id, []).append(note)
    return notes


def role_of(post: Post, facilitators: set[int]) -> str:
    if post.author is None:
        return ""
    if post.author.is_staff:
        return "Admin"
    if post.author_id in facilitators:
        return "Facilitator"
    return "Participant"


def move_targets(*, viewer, topic: Topic) -> list[Category]:
    """Categories a moderator may move the topic to (one or two queries)."""
    categories = Category.objects.exclude(pk=topic.category_id).only("id", "name")
    if not permissions.is_admin(viewer):
        categories = categories.filter(
            pk__in=permissions.facilitated_category_ids(viewer)
        )
    return list(categories)


def post_page_number(*, post: Post, view: str) -> int:
    """The page of its topic a post is on now, in the given view (one query)."""
    if not post.is_published:
        # Awaiting approval: shown after the thread on every page; the first will do.
        return 1
    siblings = Post.objects.filter(topic_id=post.topic_id)
    if view == "threaded":
        before = siblings.filter(path__lt=post.path).count()
    else:
        before = siblings.filter(position__lt=post.position).count()
    return before // settings.FORUM_POSTS_PER_PAGE + 1


def first_unread_post(*, topic: Topic, viewer) -> Post | None:
    """The first post the viewer has not read, or the last post if none."""
    mark = read_marks(viewer=viewer, topic_ids=[topic.pk]).get(topic.pk, 0)
    posts = Post.objects.filter(topic=topic, status=Post.Status.PUBLISHED).only("id")
    return (
        posts.filter(position__gt=mark).order_by("position").first()
        or posts.order_by("-position").first()
    )


def profile_page(*, user, viewer) -> dict:
    """A user's recent topics and posts that the viewer may see."""
    visible = permissions.visible_categories(viewer, "category__")
    topics = list(
        Topic.objects.filter(visible, author=user)
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
    posts = Post.objects.filter(
        permissions.visible_categories(viewer, "topic__category__"), author=user
    ).exclude(status=Post.Status.RETURNED)
    if viewer.pk != user.pk:
        posts = posts.filter(status=Post.Status.PUBLISHED, is_hidden=False)
    posts = list(
        posts.select_related("topic")
        .only("id", "subject", "body", "created_at", "topic__id", "topic__title")
        .order_by("-created_at")[:20]
    )
    return {"topics": topics, "posts": posts}


@dataclass
class Version:
    subject: str
    body: str
    editor_name: str
    at: object
    diff: list[tuple[str, str]] = field(default_factory=list)


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A readable line diff: ("same" | "removed" | "added", line) pairs."""
    kinds = {" ": "same", "-": "removed", "+": "added"}
    return [
        (kinds[line[0]], line[2:])
        for line in difflib.ndiff(old.splitlines(), new.splitlines())
        if line[0] in kinds
    ]


def post_history(*, post: Post) -> list[Version]:
    """Every version of a post, newest first, each with its diff from the one
    before (one query)."""
    revisions = list(post.revisions.all())
    texts = [(r.subject, r.body) for r in revisions] + [(post.subject, post.body)]
    # Revision i holds the text that edit i replaced: the edit was made by its
    # editor at its time; the first text was written by the author.
    makers = [(post.author_name, post.created_at)] + [
        (r.editor_name, r.edited_at) for r in revisions
    ]
    versions = []
    for i, (subject, body) in enumerate(texts):
        previous = texts[i - 1] if i else ("", "")
        diff = line_diff(previous[1], body) if i else []
        if i and previous[0] != subject:
            diff.insert(0, ("removed", f"Subject: {previous[0]}"))
            diff.insert(1, ("added", f"Subject: {subject}"))
        versions.append(Version(subject, body, makers[i][0], makers[i][1], diff))
    return versions[::-1]


SEARCH_PER_PAGE = 20


@dataclass
class SearchPageInfo(PageInfo):
    # More matches than forum.search.RESULT_CAP: count is the cap, pages stop there.
    more: bool = False

    @property
    def label(self) -> str:
        return f"{self.count:,}+" if self.more else f"{self.count:,}"


def search_categories(viewer) -> list[Category]:
    """The categories the viewer may search, in list order: the search form's
    choices and search_page's scope (one query)."""
    return list(
        Category.objects.filter(permissions.visible_categories(viewer)).only(
            "id", "name", "language"
        )
    )


def search_page(
    *, filters, viewer, page: str | None, categories: list[Category] | None = None
):
    """A page of search results the viewer may see, each with its title and
    snippet highlighted (one query, the count bounded; two without the viewer's
    search_categories). None for a missing page."""
    if categories is None:
        categories = search_categories(viewer)
    cap = search.RESULT_CAP
    number = page_number(page, count=cap, per_page=SEARCH_PER_PAGE)
    if number is None:
        return [], None
    offset = (number - 1) * SEARCH_PER_PAGE
    count, results = search.find(
        filters=filters,
        categories=categories,
        offset=offset,
        limit=min(SEARCH_PER_PAGE, cap - offset),  # pages stop at the cap
    )
    info = SearchPageInfo(
        number=number, count=min(count, cap), per_page=SEARCH_PER_PAGE, more=count > cap
    )
    if number > info.num_pages:
        return [], None
    search.annotate(results, filters.q)
    return results, info


def draft_for(*, user, kind: str, **target) -> Draft | None:
    """The writer's draft of one form (forum.services.draft_target names it)."""
    return Draft.objects.filter(user=user, kind=kind, **target).first()


def readable_in_topic(user, *, topic: Topic, pk: int | None) -> Post | None:
    """The post a draft answered or quoted, if the writer may still answer it:
    else None (the draft's text is kept either way)."""
    try:
        return permissions.get_post_in_topic(user, topic=topic, pk=pk)
    except (Http404, PermissionDenied):
        return None
