"""Page data for the forum's views: every query a page runs is here."""

import difflib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import ceil

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404

from . import pagecache, permissions
from .models import Category, Post, Topic, TopicListDay, TopicRead
from .models.core import LIST_COLUMNS
from .selects import Compiled, Select

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

# The queries a page in no cache runs, written once (see forum.selects): a page's
# posts; below, a topic page's topic.
PAGE_POSTS = Select(Post, POST_FIELDS)
# A topic page's topic, whole, with its category.
TOPIC_WITH_CATEGORY = Select(
    Topic,
    [f.attname for f in Topic._meta.concrete_fields]
    + [f"category__{f.attname}" for f in Category._meta.concrete_fields],
)


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


@dataclass
class TopicRow:
    topic: Topic
    new_count: int = 0


def category_topics(*, category: Category, info: PageInfo) -> list[Topic]:
    """One page of a category's topics, pinned first, in one statement that
    PostgreSQL answers from the list index alone (an index-only scan of
    topic_list_idx, which includes every column a row shows): a page's rows are
    neighbours in it, where the table has them scattered.

    Where the page starts: a page near either end walks the list index from
    that end (backwards for the second half). A deep page first asks the day
    counts (TopicListDay) which day its first topic was last active on and how
    many topics come before that day, and walks from there: at most that day's
    topics instead of up to half the category."""
    ordered = Topic.objects.filter(category=category).in_list_order().only(*LIST_FIELDS)
    start, stop = info.offset, info.offset + info.per_page
    walk = min(start, info.count - stop)
    if walk > settings.FORUM_LIST_DAYS_AFTER:
        found = _day_of_offset(category=category, offset=start)
        if found is not None and start - found[1] < walk:
            day, before = found
            ordered = ordered.filter(_on_or_before_day(day))
            return list(ordered[start - before : stop - before])
    if (backwards := info.from_far_end()) is not None:
        return list(ordered.reverse()[backwards[0] : backwards[1]])[::-1]
    return list(ordered[start:stop])


# The unpinned topics last active on a day, and how many of the category's
# topics come before them: those pinned, and (where NULL sorts first when
# descending, as on PostgreSQL) the unpinned topics with no last post.
DAY_OF_OFFSET = """
SELECT d.day, d.before + a.ahead
FROM (
    SELECT day, COALESCE(SUM(n) OVER (
        ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
    ), 0) AS before
    FROM forum_topiclistday
    WHERE category_id = %s AND NOT is_pinned AND day > %s AND n > 0
) d CROSS JOIN (
    SELECT
        COALESCE(SUM(CASE WHEN is_pinned OR day = %s THEN n ELSE 0 END), 0) AS ahead,
        COALESCE(SUM(n), 0) AS total
    FROM forum_topiclistday WHERE category_id = %s
) a
WHERE d.before + a.ahead <= %s AND a.total = %s
ORDER BY d.day LIMIT 1
"""


def _day_of_offset(*, category: Category, offset: int):
    """(day, topics before it) for the unpinned day the topic at `offset` in
    the category's list was last active on, or None: when it is not on such a
    day, or when the day counts do not add up to the category's topic count
    (then the page walks the list as before)."""
    alias = router.db_for_read(TopicListDay)
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None  # forum_topiclistday has triggers on these two only
    no_day = connection.ops.adapt_datefield_value(TopicListDay.NO_DAY)
    # Where NULL sorts last (SQLite), the topics with no last post come after
    # every day instead of before: they are not ahead of any day.
    ahead_no_day = no_day if connection.features.nulls_order_largest else None
    with connection.cursor() as cursor:
        cursor.execute(
            DAY_OF_OFFSET,
            [
                category.pk,
                no_day,
                ahead_no_day,
                category.pk,
                offset,
                category.topic_count,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    day, before = row
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return day, before


def _on_or_before_day(day: date) -> Q:
    """Unpinned topics from `day` (UTC) to the end of the list, in list order:
    last active before the next midnight, and those with no last post where
    NULL sorts last."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    on_or_before = Q(is_pinned=False, last_post_at__lt=next_midnight)
    if not connections[router.db_for_read(Topic)].features.nulls_order_largest:
        on_or_before |= Q(is_pinned=False, last_post_at__isnull=True)
    return on_or_before


def category_page(*, category: Category, viewer, page: int) -> tuple[list, PageInfo]:
    """A page of a category's topics, pinned first, with the viewer's unread counts."""
    info = PageInfo(
        number=page, count=category.topic_count, per_page=settings.FORUM_TOPICS_PER_PAGE
    )
    key = ("category_topics", category.pk, info.offset, info.per_page)
    topics = pagecache.shared_reads(
        {key: lambda: category_topics(category=category, info=info)}
    )[key]
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
    topics = TOPIC_PAGE_ROWS.all()
    if not viewer.is_authenticated:
        return topics
    mark = TopicRead.objects.filter(topic=OuterRef("pk"), user=viewer)
    return topics.annotate(viewer_read_up_to=Subquery(mark.values("read_up_to")[:1]))


def category_for_reader(*, viewer, slug: str) -> Category:
    """The category (404 unless the viewer may see it), from the shared reads."""
    key = ("category", slug)
    category = pagecache.shared_reads(
        {key: lambda: Category.objects.filter(slug=slug).first()}
    )[key]
    if category is None or not permissions.can_see_category(viewer, category):
        raise Http404("No such category.")
    return category


def topic_for_reader(*, viewer, pk: int) -> Topic:
    """The topic (404 unless the viewer may see it) with the signed-in viewer's read
    mark as `viewer_read_up_to`: the topic from the shared reads and the mark in
    one small statement, or both in one query when shared reads are off."""
    if pagecache.shared_generation() is None:
        return permissions.get_topic_for(
            viewer, pk=pk, topics=topics_for_reader(viewer=viewer)
        )
    key = ("topic", pk)
    topic = pagecache.shared_reads({key: lambda: _topic_with_category(pk)})[key]
    if topic is None or not permissions.can_see_category(viewer, topic.category):
        raise Http404("No such topic.")
    if viewer.is_authenticated:
        topic.viewer_read_up_to = read_marks(viewer=viewer, topic_ids=[pk]).get(pk)
    return topic


def _topic_with_category(pk: int) -> Topic | None:
    """The topic with its category and its place in a series (facilitation's
    row, by its relation's name, so the page knows without a query whether it
    has one)."""
    return TOPIC_PAGE_ROWS.filter(pk=pk).first()


TOPIC_PAGE_ROWS = Topic.objects.select_related("category", "series_entry")


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
    return PAGE_POSTS.fetch(ordered.values("pk")[start:stop], [order])


_OPEN_FOLLOW_UP = Q(
    follow_up_for__isnull=False,
    follow_up_answered_at__isnull=True,
    status=Post.Status.PUBLISHED,
    is_hidden=False,
)


CONCERNED = Compiled(
    Post,
    lambda topic_id: Post.objects.filter(
        ~Q(status=Post.Status.PUBLISHED) | _OPEN_FOLLOW_UP, topic_id=topic_id
    ).values_list("author_id", "status", "follow_up_for_id"),
)


def concerned_users(*, topic: Topic) -> tuple[set[int], set[int]]:
    """Who has posts awaiting approval or returned in this topic, and who has an
    open follow-up question in it: the readers viewer_posts has anything for
    (one query)."""
    authors, asked = set(), set()
    for author_id, status, asked_id in CONCERNED.rows(topic.pk):
        if status == Post.Status.PUBLISHED:
            asked.add(asked_id)
        else:
            authors.add(author_id)
    return authors, asked


def viewer_posts(
    *, topic: Topic, viewer, moderator: bool
) -> tuple[list[Post], list[Post]]:
    """In one query, the posts of the topic that concern this viewer: those
    awaiting approval or returned that they may see (their own, or all for the
    topic's facilitators), and facilitators' follow-up questions still awaiting
    their answer."""
    if not viewer.is_authenticated:
        return [], []
    if pagecache.shared_generation() is not None:
        # Most readers have nothing here: the shared list of who does spares them
        # the query.
        key = ("concerned", topic.pk)
        authors, asked_ids = pagecache.shared_reads(
            {key: lambda: concerned_users(topic=topic)}
        )[key]
        if viewer.pk not in asked_ids and not (
            authors and (moderator or viewer.pk in authors)
        ):
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
    key = ("series_before", topic.pk)
    earlier = pagecache.shared_reads(
        {
            key: lambda: list(
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
        }
    )[key]
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
    # The category's facilitators too: a role change bumps the generation.
    shared = pagecache.shared_reads(
        {
            ("prompts", topic.pk): lambda: dialogue_prompts(topic=topic),
            ("facilitators", topic.category_id): lambda: permissions.facilitator_ids(
                category_id=topic.category_id
            ),
        }
    )
    prompts = shared[("prompts", topic.pk)]
    facilitators = shared[("facilitators", topic.category_id)]
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
    key = ("topic_posts", topic.pk, view, info.number, info.per_page, prompt_id)
    posts = pagecache.shared_reads(
        {key: lambda: topic_posts(topic=topic, view=view, info=info, prompt=prompt)}
    )[key]
    moderator = permissions.is_moderator(viewer, facilitators)
    unpublished, follow_ups = viewer_posts(
        topic=topic, viewer=viewer, moderator=moderator
    )
    editable = permissions.editable_post_ids(
        viewer, topic=topic, posts=posts + unpublished, facilitators=facilitators
    )
    read_up_to = None
    if hasattr(topic, "viewer_read_up_to"):
        read_up_to = topic.viewer_read_up_to
    elif viewer.is_authenticated:
        read_up_to = read_marks(viewer=viewer, topic_ids=[topic.pk]).get(topic.pk)
    notes = _notes_for(posts + unpublished) if moderator else {}
    for post in posts + unpublished:
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
        post.notes = notes.get(post.pk, [])
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
    if not viewer.is_staff:
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
    from . import search

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


