import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_SEGMENT = 7  # digits per level of Post.path: up to 9,999,999 posts per topic


class Category(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        SIGNED_IN = "signed_in", _("Signed-in users only")
        PRIVATE = "private", _("Members only")

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Who may see the category at all; moderation.permissions.can_see_category
    # is the one function that reads it.
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Posts by users with fewer approved posts than this wait for a facilitator
    # (0 = off).
    approval_threshold = models.PositiveIntegerField(default=0)
    # The language posts here are mostly written in: search stems words with it.
    language = models.CharField(
        max_length=8, choices=[("en", "English"), ("fr", "French")], default="en"
    )
    # Counters and last post below are kept by forum.services (create_topic,
    # post_reply) and rebuilt by forum.services.recount_category.
    topic_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by forum.versions.bump with every write that changes what the
    # category's pages (and so the index) show: cache keys and ETags use it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:category", args=[self.slug])


class TopicQuerySet(models.QuerySet):
    def in_list_order(self):
        return self.order_by(*Topic.LIST_ORDER)


@dataclass(frozen=True)
class LastPost:
    """A topic's last post as its list row shows it (Topic.latest)."""

    pk: int
    author_name: str
    created_at: datetime


# What a row of a category's list shows besides the list order's own columns.
LIST_COLUMNS = [
    "title",
    "author_name",
    "author_id",
    "created_at",
    "is_locked",
    "post_count",
    "opens_at",
    "closes_at",
    "summary_excerpt",
    "last_post_id",
    "last_post_author_name",
    "last_post_created_at",
    "version",
]


# Who closed a dialogue that its schedule closed: shown as "Locked by …", and
# the actor name of the lock's audit entry (moderation.services.lock_topic).
SCHEDULE_NAME = "the dialogue's schedule"


class Topic(models.Model):
    # A category's list: pinned first, then by last activity.
    LIST_ORDER = ("-is_pinned", "-last_post_at", "-pk")

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="topics",
    )
    # Snapshot so a topic keeps its starter's name after the account is deleted.
    author_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    is_locked = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    # Set by moderation.services.lock_topic, shown at the end of a locked thread.
    locked_by_name = models.CharField(max_length=150, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)
    closing_note_html = models.TextField(blank=True)
    # Dialogue lifecycle, set by facilitation.services.set_schedule: not open for
    # replies before opens_at; closed from closes_at on (Topic.phase reads it so),
    # the lock itself written by the close_dialogues command.
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    # The facilitators' summary, set by facilitation.services.set_summary; the
    # excerpt (the list's "Summary:" line) is emptied by moderation's unlock_topic.
    summary = models.TextField(blank=True)
    summary_html = models.TextField(blank=True)
    summary_excerpt = models.CharField(max_length=300, blank=True)
    # Kept by forum.services (create_topic, post_reply), rebuilt by recount_topic.
    post_count = models.PositiveIntegerField(default=0, editable=False)
    first_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_post = models.ForeignKey(
        "Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_post_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The last post's author name and time, as the post holds them, so that the
    # list of topics shows them from the list index alone (see Meta.indexes).
    # Kept with last_post by forum.services and by accounts.services when a
    # name changes.
    last_post_author_name = models.CharField(
        max_length=150, blank=True, default="", editable=False
    )
    last_post_created_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped by forum.versions.bump with every write that changes what the
    # topic's pages show: cache keys and ETags use it.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        indexes = [
            # A category's list, with every column a row of it shows (INCLUDE,
            # PostgreSQL): a page of topics is read from a few neighbouring
            # index pages, never from the table's rows scattered on disk.
            models.Index(
                fields=["category", "-is_pinned", "-last_post_at", "-id"],
                include=LIST_COLUMNS,
                name="topic_list_idx",
            ),
            models.Index(fields=["author", "-created_at"], name="topic_author_idx"),
            # The category's topics whose phase changes with time alone: a
            # category page's ETag reads their phases (forum.versions).
            models.Index(
                fields=["category"],
                condition=models.Q(is_locked=False)
                & (
                    models.Q(opens_at__isnull=False) | models.Q(closes_at__isnull=False)
                ),
                name="topic_scheduled_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forum:topic", args=[self.pk])

    @property
    def latest(self) -> LastPost | None:
        """The last post, from the topic's own columns (no query)."""
        if self.last_post_id is None:
            return None
        return LastPost(
            self.last_post_id, self.last_post_author_name, self.last_post_created_at
        )

    @property
    def is_due_to_close(self) -> bool:
        return bool(self.closes_at and timezone.now() >= self.closes_at)

    @property
    def closed_by_name(self) -> str:
        """Who closed the topic: the lock's author, else its schedule once its
        closing time has passed (before the close_dialogues command writes it)."""
        if self.is_locked:
            return self.locked_by_name
        return SCHEDULE_NAME if self.is_due_to_close else ""

    @property
    def closed_at(self) -> datetime | None:
        """When the topic closed: its lock, else its passed closing time."""
        if self.is_locked:
            return self.locked_at
        return self.closes_at if self.is_due_to_close else None

    def seconds_until_phase_change(self) -> int | None:
        """Seconds until the phase read from the times next changes (opening,
        24 hours before closing, closing), or None if it never will."""
        if self.is_locked:
            return None
        now = timezone.now()
        closing_soon = self.closes_at - timedelta(hours=24) if self.closes_at else None
        moments = [
            moment
            for moment in (self.opens_at, closing_soon, self.closes_at)
            if moment and moment > now
        ]
        if not moments:
            return None
        return int((min(moments) - now).total_seconds()) + 1

    @property
    def phase(self) -> str:
        """scheduled, open, closing_soon or locked: read from the times as well as
        the lock, so a dialogue past its closing time reads as closed (locked)
        before the close_dialogues command writes its lock; nothing is written
        on a read."""
        now = timezone.now()
        if self.is_locked or self.is_due_to_close:
            return "locked"
        if self.opens_at and now < self.opens_at:
            return "scheduled"
        if self.closes_at and self.closes_at - now <= timedelta(hours=24):
            return "closing_soon"
        return "open"


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    author_name = models.CharField(max_length=150)
    # The post this one answers (threading); null only for a topic's opening post.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    # The post whose text this one quotes, set when written with "Quote".
    quoting = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quoted_by",
    )

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        PENDING = "pending", _("Awaiting approval")
        RETURNED = "returned", _("Returned to the author")

    # 1, 2, 3… in the order posts joined the thread (flat view order). Posts awaiting
    # approval have none: they join the thread when approved.
    position = models.PositiveIntegerField(null=True, blank=True)
    # Threaded order: the zero-padded positions of the visual ancestors, then this
    # post's own. Depth is capped at FORUM_MAX_THREAD_DEPTH, so deeper replies sit
    # beside their parent and say "in reply to". Set once by forum.services.
    path = models.CharField(max_length=PATH_SEGMENT * 12, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED
    )
    # Words in the body, for the participation overview; set with the body.
    word_count = models.PositiveIntegerField(default=0)
    # The prompting questions this reply answers ("Answering: …") are
    # post.prompts, the reverse of facilitation.Prompt.answers.
    # A facilitator's follow-up question to one participant: open until that
    # participant replies to this post (facilitation.services.close_follow_ups
    # keeps follow_up_answered_at), or a facilitator dismisses it.
    follow_up_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    follow_up_answered_at = models.DateTimeField(null=True, blank=True)
    # Set by moderation.services.return_post.
    return_reason = models.TextField(blank=True)
    # Set by moderation.services.hide_post / unhide_post; nothing is deleted.
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True)
    hidden_by_name = models.CharField(max_length=150, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    # Full-text search on PostgreSQL (title, subject and text, weighted A/B/C, in the
    # category's language, accents ignored); kept by forum.search.index_posts.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    # A token carried by the reply form; the same submission twice makes one post.
    submission_key = models.CharField(max_length=64, blank=True)
    # Bumped by forum.versions.bump with every write that changes how the post
    # shows (edit, hide, approval, follow-up answered…): its fragment's cache key.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="post_unique_position"
            ),
            models.UniqueConstraint(
                fields=["author", "submission_key"],
                condition=~Q(submission_key=""),
                name="post_unique_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["topic", "path"], name="post_thread_idx"),
            # Pages of a topic skip through these alone (index-only) to their ids.
            models.Index(
                fields=["topic", "path", "id"],
                condition=Q(status="published"),
                name="post_published_thread_idx",
            ),
            models.Index(
                fields=["topic", "position", "id"],
                condition=Q(status="published"),
                name="post_published_flat_idx",
            ),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
            models.Index(
                fields=["topic", "created_at"],
                condition=~Q(status="published"),
                name="post_unpublished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.position}"

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_rephrased(self) -> bool:
        """Hidden, then edited by its author (forum.permissions.can_edit lets
        them): it waits for a facilitator to show it again."""
        return bool(
            self.is_hidden
            and self.hidden_at
            and self.edited_at
            and self.edited_at > self.hidden_at
        )

    @property
    def is_opening(self) -> bool:
        return self.parent_id is None

    @property
    def display_subject(self) -> str:
        """The subject, or the first words of the body as the reference forum did."""
        return self.subject or first_words(self.body)


_MARKUP = re.compile(r"[*_`#>\[\]()!~|]+")


def first_words(text: str, count: int = 6) -> str:
    """Plain first words of markdown text, skipping quoted lines."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    words = _MARKUP.sub(" ", " ".join(lines)).split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]).rstrip(".,;:!?-\u2013\u2014") + "…"


class PostRevision(models.Model):
    """A post's text before an edit; written by forum.services.edit_post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Who replaced this text, and when.
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    editor_name = models.CharField(max_length=150)
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["edited_at", "pk"]

    def __str__(self) -> str:
        return f"revision of {self.post_id} at {self.edited_at}"


class TopicRead(models.Model):
    """How far a reader has read a topic: every post up to this position is read."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    # Maintained by forum.services.mark_read.
    read_up_to = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="topicread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.topic_id} to #{self.read_up_to}"
