"""What makes a topic a facilitated dialogue: prompting questions, a summary's
history, a place in a series, the facilitators' own notes and queue, and the
invitations into members-only categories.

The forum's tables are referenced from here only (a forum model never points at
one of these); the topic page reads them through the reverse relations named
below (topic.prompts, topic.series_entry, post.prompts).
"""

import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Series(models.Model):
    """Dialogues that follow one another (round 1, 2, 3…)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        db_table = "forum_series"
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilitation:series", args=[self.slug])


class SeriesEntry(models.Model):
    """A dialogue's place in a series: at most one series per topic.

    Kept here rather than as a column of forum_topic so that the forum's models
    never refer to facilitation's; written by facilitation.services.set_series.
    """

    topic = models.OneToOneField(
        "forum.Topic",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="series_entry",
    )
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="entries")

    class Meta:
        verbose_name_plural = "series entries"

    def __str__(self) -> str:
        return f"{self.topic_id} in {self.series_id}"


class Prompt(models.Model):
    """One prompting question of a dialogue, with its own anchor (#q<id>)."""

    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="prompts"
    )
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    # The replies that answer this question (post.prompts from the forum's side);
    # the table is the one forum.Post.prompts made.
    answers = models.ManyToManyField(
        "forum.Post", blank=True, related_name="prompts", db_table="forum_post_prompts"
    )

    class Meta:
        db_table = "forum_prompt"
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "position"], name="prompt_unique_position"
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def anchor(self) -> str:
        return f"q{self.pk}"


class SummaryRevision(models.Model):
    """A dialogue's summary before an edit; written by
    facilitation.services.set_summary."""

    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="summary_revisions"
    )
    summary = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    editor_name = models.CharField(max_length=150)
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "forum_summaryrevision"
        ordering = ["edited_at", "pk"]

    def __str__(self) -> str:
        return f"summary of {self.topic_id} at {self.edited_at}"


class Annotation(models.Model):
    """A facilitator's private note and theme tags on a post ("quote for summary",
    "theme: trust"); only facilitators see them."""

    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="annotations"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    note = models.TextField(blank=True, max_length=2000)
    # Comma-separated, lower case, e.g. "quote for summary, theme: trust".
    tags = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "moderation_annotation"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note on {self.post_id} by {self.author_name}"

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class QueueDismissal(models.Model):
    """A facilitator marked a post "no follow-up needed": it leaves the queue."""

    post = models.OneToOneField(
        "forum.Post", on_delete=models.CASCADE, related_name="queue_dismissal"
    )
    by_name = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "moderation_queuedismissal"

    def __str__(self) -> str:
        return f"{self.post_id} dismissed by {self.by_name}"


def hash_token(token: str) -> str:
    """What an invitation keeps of its link's token: a database read alone gives
    no link that works."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """An invitation into a members-only category, mailed with a link that works
    once; written by facilitation.services (invite_people, issue_link,
    remind, accept_invitation)."""

    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="invitations"
    )
    # A dialogue's invitation admits to its category and lands on the dialogue.
    topic = models.ForeignKey(
        "forum.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    # Lower case, so that one address has one open invitation per category.
    email = models.EmailField()
    # The account the address or username belonged to when invited.
    invited_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_by_name = models.CharField(max_length=150)
    # The language of its emails: the invitee's own if they have an account.
    language = models.CharField(max_length=10)
    # sha256 (hex) of the link's token; the token itself is only in the email.
    # Empty until the first email mints it (facilitation.services.issue_link).
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The link of the email before the reminder's, which keeps working too.
    previous_token_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["category", "created_at"], name="invitation_cat_idx")
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.category_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None
