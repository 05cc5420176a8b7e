"""Text a writer has not posted yet, kept on the server so that it survives
leaving the page and follows them to another device."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Draft(models.Model):
    """One unposted form per writer and target: a new topic in a category, a
    reply to a topic (answering parent, quoting quoting), or an edit of a post.
    Written by forum.services.save_draft; deleted by the service that posts it,
    in the same transaction. Nobody but its writer sees it."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "new topic"
        REPLY = "reply", "reply"
        EDIT = "edit", "edit"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    category = models.ForeignKey(
        "forum.Category", null=True, blank=True, on_delete=models.CASCADE
    )
    topic = models.ForeignKey(
        "forum.Topic", null=True, blank=True, on_delete=models.CASCADE
    )
    post = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.CASCADE
    )
    parent = models.ForeignKey(
        "forum.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    quoting = models.ForeignKey(
        "forum.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="topic",
                        category__isnull=False,
                        topic__isnull=True,
                        post__isnull=True,
                    )
                    | Q(
                        kind="reply",
                        category__isnull=True,
                        topic__isnull=False,
                        post__isnull=True,
                    )
                    | Q(
                        kind="edit",
                        category__isnull=True,
                        topic__isnull=True,
                        post__isnull=False,
                    )
                ),
                name="draft_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(kind="topic"),
                name="draft_unique_topic",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(kind="reply"),
                name="draft_unique_reply",
            ),
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=Q(kind="edit"),
                name="draft_unique_edit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} draft of {self.user_id}"
