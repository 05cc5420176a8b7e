from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Facilitator(models.Model):
    """A user appointed to facilitate (moderate) one category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitating"
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="facilitators"
    )
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="facilitator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} facilitates {self.category}"


class Member(models.Model):
    """A participant admitted to a members-only category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    category = models.ForeignKey(
        "forum.Category", on_delete=models.CASCADE, related_name="members"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.category}"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or hateful")
        SAFETY = "safety", _("Puts someone at risk (personal details, threats)")
        OFF_TOPIC = "off_topic", _("Off topic or disruptive")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HIDDEN = "hidden", _("Post hidden")
        DISMISSED = "dismissed", _("Dismissed")

    post = models.ForeignKey(
        "forum.Post", on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=12, choices=Reason.choices)
    text = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by moderation.services.resolve_report.
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    resolved_by_name = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="report_once")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="open"),
                name="report_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"report on {self.post_id} by {self.reporter_id}"


class AuditEntry(models.Model):
    """One moderation action; written in the same transaction as the action."""

    class Action(models.TextChoices):
        LOCK = "lock", _("Locked topic")
        UNLOCK = "unlock", _("Unlocked topic")
        PIN = "pin", _("Pinned topic")
        UNPIN = "unpin", _("Unpinned topic")
        MOVE = "move", _("Moved topic")
        RENAME = "rename", _("Renamed topic")
        HIDE = "hide", _("Hid post")
        UNHIDE = "unhide", _("Unhid post")
        EDIT = "edit", _("Edited another's post")
        APPROVE = "approve", _("Approved post")
        RETURN = "return", _("Returned post")
        SUSPEND = "suspend", _("Suspended user")
        UNSUSPEND = "unsuspend", _("Lifted suspension")
        APPOINT = "appoint", _("Appointed facilitator")
        REMOVE = "remove", _("Removed facilitator")
        ADD_MEMBER = "add_member", _("Added member")
        REMOVE_MEMBER = "remove_member", _("Removed member")
        RESOLVE = "resolve", _("Resolved report")
        DELETE_ACCOUNT = "delete_account", _("Deleted account")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=Action.choices)
    category = models.ForeignKey(
        "forum.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    topic = models.ForeignKey(
        "forum.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    post = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A readable name of the object at the time, kept if it is deleted later.
    target_label = models.CharField(max_length=250, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["category", "-created_at"], name="audit_cat_idx")
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} ({self.created_at})"
