"""What makes a topic a facilitated dialogue: prompting questions, a schedule, a
summary, and a place in a series."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class Series(models.Model):
    """Dialogues that follow one another (round 1, 2, 3…)."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:series", args=[self.slug])


class Prompt(models.Model):
    """One prompting question of a dialogue, with its own anchor (#q<id>)."""

    topic = models.ForeignKey(
        "forum.Topic", on_delete=models.CASCADE, related_name="prompts"
    )
    position = models.PositiveIntegerField()
    text = models.CharField(max_length=500)

    class Meta:
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
    """A dialogue's summary before an edit; written by forum.services.set_summary."""

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
        ordering = ["edited_at", "pk"]

    def __str__(self) -> str:
        return f"summary of {self.topic_id} at {self.edited_at}"
