"""What readers are told about: notifications, what they watch, and how they want
to hear of it by email."""

from django.conf import settings
from django.db import models
from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from moderation.models import Report


class Notification(models.Model):
    """Something that happened that concerns one reader; written by
    notifications.services in the same transaction as the event."""

    class Kind(models.TextChoices):
        # Listed by concern: a new post gives each reader one notification, of the
        # first kind that applies (notifications.services.PRECEDENCE).
        FOLLOW_UP = "follow_up", _("A facilitator's question to you")
        MENTION = "mention", _("Mentioned you")
        QUOTE = "quote", _("Quoted you")
        REPLY = "reply", _("Replied to you")
        WATCHED = "watched", _("New post where you watch")
        POST_HIDDEN = "post_hidden", _("Your post was hidden")
        POST_UNHIDDEN = "post_unhidden", _("Your post is shown again")
        POST_RETURNED = "post_returned", _("Your post was returned to you")
        REPORT_HANDLED = "report_handled", _("Your report was handled")

    class Email(models.TextChoices):
        NONE = "none", _("No email")
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        DIGEST = "digest", _("Waiting for the daily digest")
        DIGESTED = "digested", _("Sent in a digest")

    class Reason(models.TextChoices):
        # Stored as a code and put into words in the reader's language when
        # shown; the words may take parameters from reason_params.
        NONE = "", pgettext_lazy("notification reason", "None")
        WATCHED_TOPIC = "watched_topic", _("You watch this topic.")
        WATCHED_CATEGORY = "watched_category", _("You watch %(name)s.")
        NEW_TOPIC = "new_topic", _("New topic in %(name)s.")
        REPORT_HIDDEN = "report_hidden", _("The post was hidden.")
        REPORT_DISMISSED = "report_dismissed", _("The post stays as it is.")
        # Shown as the label of the reports' reason (moderation Report.Reason).
        REPORTED = "reported", _("The reason given in the reports")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topic = models.ForeignKey("forum.Topic", on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("forum.Post", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Snapshot so a notification keeps its actor's name after the account goes.
    actor_name = models.CharField(max_length=150, blank=True)
    # Why: what is watched, or a report's outcome.
    reason = models.CharField(
        max_length=20, choices=Reason.choices, default=Reason.NONE, blank=True
    )
    # The reason's parameters: "name" (the category's name when notified, kept
    # like actor_name) and "note" (a facilitator's own words, shown as written).
    reason_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set while the post is hidden, for recipients who may no longer read it
    # (kept by notifications.services.set_post_withdrawn).
    withdrawn = models.BooleanField(default=False)
    # Claimed atomically by notifications.tasks.send_notification_email, so a
    # retried task never sends twice.
    email_state = models.CharField(
        max_length=10, choices=Email.choices, default=Email.NONE
    )

    class Meta:
        db_table = "forum_notification"
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "post"], name="notification_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                name="notification_list_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True, withdrawn=False),
                name="notification_unread_idx",
            ),
            models.Index(
                fields=["recipient", "topic"],
                condition=Q(email_state="digest"),
                name="notification_digest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} on {self.post_id}"

    @property
    def is_moderation(self) -> bool:
        return self.kind in MODERATION_KINDS

    def headline(self) -> str:
        """One line saying what happened, in the active language."""
        actor = self.actor_name or gettext("Someone")
        return HEADLINES[self.kind] % {"actor": actor, "title": self.topic.title}

    def group_headline(self, count: int) -> str:
        """One line for count unread notifications of this kind in this topic
        (notifications.queries.notifications_page groups them), in the active
        language."""
        if count == 1:
            return self.headline()
        return GROUP_HEADLINES[self.kind] % {
            "count": count,
            "title": self.topic.title,
        }

    def reason_text(self) -> str:
        """Why the reader was told, in the active language."""
        words = str(self.Reason(self.reason).label) if self.reason else ""
        if self.reason == self.Reason.REPORTED:
            words = str(Report.Reason(self.reason_params["report_reason"]).label)
        if "%(name)s" in words:
            words = words % {"name": self.reason_params.get("name", "")}
        return " ".join(filter(None, [words, self.reason_params.get("note", "")]))


MODERATION_KINDS = (
    Notification.Kind.POST_HIDDEN,
    Notification.Kind.POST_UNHIDDEN,
    Notification.Kind.POST_RETURNED,
    Notification.Kind.REPORT_HANDLED,
)

HEADLINES = {
    Notification.Kind.FOLLOW_UP: _(
        "%(actor)s asked you a follow-up question in “%(title)s”"
    ),
    Notification.Kind.MENTION: _("%(actor)s mentioned you in “%(title)s”"),
    Notification.Kind.QUOTE: _("%(actor)s quoted you in “%(title)s”"),
    Notification.Kind.REPLY: _("%(actor)s replied to you in “%(title)s”"),
    Notification.Kind.WATCHED: _("%(actor)s posted in “%(title)s”"),
    Notification.Kind.POST_HIDDEN: _("Your post in “%(title)s” was hidden"),
    Notification.Kind.POST_UNHIDDEN: _("Your post in “%(title)s” is shown again"),
    Notification.Kind.POST_RETURNED: _(
        "Your post in “%(title)s” was returned to you: edit it to send it again"
    ),
    Notification.Kind.REPORT_HANDLED: _(
        "Your report on a post in “%(title)s” was handled"
    ),
}


# Unread notifications of these kinds in one topic show as one item, and count
# once on the badge; a question from a facilitator and news about one's own
# posts or reports always stand alone.
GROUPED_KINDS = (
    Notification.Kind.MENTION,
    Notification.Kind.QUOTE,
    Notification.Kind.REPLY,
    Notification.Kind.WATCHED,
)

# A group of one shows its own headline; the singulars are for ngettext.
GROUP_HEADLINES = {
    Notification.Kind.MENTION: ngettext_lazy(
        "%(count)s mention of you in “%(title)s”",
        "%(count)s mentions of you in “%(title)s”",
        "count",
    ),
    Notification.Kind.QUOTE: ngettext_lazy(
        "%(count)s post quoting you in “%(title)s”",
        "%(count)s posts quoting you in “%(title)s”",
        "count",
    ),
    Notification.Kind.REPLY: ngettext_lazy(
        "%(count)s new reply to you in “%(title)s”",
        "%(count)s new replies to you in “%(title)s”",
        "count",
    ),
    Notification.Kind.WATCHED: ngettext_lazy(
        "%(count)s new post in “%(title)s”",
        "%(count)s new posts in “%(title)s”",
        "count",
    ),
}


def unread_group_key():
    """An expression naming a notification's item: the topic, kind and reason
    for an unread notification of a grouped kind; its own id otherwise."""
    return Case(
        When(
            read_at__isnull=True,
            kind__in=GROUPED_KINDS,
            then=Concat(
                Cast("topic_id", CharField()),
                Value(":"),
                "kind",
                Value(":"),
                "reason",
            ),
        ),
        default=Cast("pk", CharField()),
        output_field=CharField(),
    )


class Watch(models.Model):
    """A reader following a topic or a whole category (one of the two)."""

    class Level(models.TextChoices):
        WATCHING = "watching", _("Notify me of every new post")
        DIGEST = "digest", _("A daily digest of this dialogue's new posts")
        MUTED = "muted", _("Not watching")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    topic = models.ForeignKey(
        "forum.Topic",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watches",
    )
    category = models.ForeignKey(
        "forum.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="watches",
    )
    # Muted keeps a topic from being watched again automatically.
    level = models.CharField(
        max_length=10, choices=Level.choices, default=Level.WATCHING
    )
    # For a dialogue digest: the last position already sent (kept by
    # notifications.digests.send_digest).
    digest_up_to = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "forum_watch"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(topic__isnull=False, category__isnull=True)
                    | Q(topic__isnull=True, category__isnull=False)
                ),
                name="watch_topic_or_category",
            ),
            models.CheckConstraint(
                condition=Q(category__isnull=True) | Q(level="watching"),
                name="watch_category_level",
            ),
            models.UniqueConstraint(
                fields=["user", "topic"],
                condition=Q(topic__isnull=False),
                name="watch_unique_topic",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="watch_unique_category",
            ),
        ]
        indexes = [
            models.Index(fields=["topic", "level"], name="watch_topic_idx"),
            models.Index(fields=["category", "level"], name="watch_category_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} {self.topic_id or self.category_id}"


# The settings name of the daily digest, beside the email_* fields.
DIGEST = "digest"


class Delivery(models.TextChoices):
    NOW = "now", _("Email at once")
    DIGEST = "digest", _("In the daily digest")
    NEVER = "never", _("No email")


# The email choice that covers each kind of notification.
EMAIL_FIELDS = {
    Notification.Kind.FOLLOW_UP: "email_follow_up",
    Notification.Kind.MENTION: "email_mention",
    Notification.Kind.QUOTE: "email_quote",
    Notification.Kind.REPLY: "email_reply",
    Notification.Kind.WATCHED: "email_watched",
    Notification.Kind.POST_HIDDEN: "email_moderation",
    Notification.Kind.POST_UNHIDDEN: "email_moderation",
    Notification.Kind.POST_RETURNED: "email_moderation",
    Notification.Kind.REPORT_HANDLED: "email_moderation",
}


def _delivery(default: str) -> models.CharField:
    return models.CharField(max_length=6, choices=Delivery.choices, default=default)


class NotificationSettings(models.Model):
    """A reader's choices; a reader without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    # Watch the topics one starts or replies to.
    auto_watch = models.BooleanField(default=True)
    email_follow_up = _delivery(Delivery.NOW)
    email_mention = _delivery(Delivery.NOW)
    email_quote = _delivery(Delivery.NOW)
    email_reply = _delivery(Delivery.NOW)
    email_watched = _delivery(Delivery.DIGEST)
    email_moderation = _delivery(Delivery.NOW)
    # The daily digest email at all (its link unsubscribes from it).
    digest = models.BooleanField(default=True)
    # When the digest goes: this hour (0-23) in the reader's own time zone
    # (User.time_zone); none chosen, the site's FORUM_DIGEST_HOUR.
    digest_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    # The reader's own day (in their time zone) of the last digest; claimed in the
    # transaction that queues it, so it goes once a day (notifications.tasks).
    last_digest_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "forum_notificationsettings"
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{field}__in": Delivery.values}),
                name=f"notificationsettings_{field}",
            )
            for field in sorted(set(EMAIL_FIELDS.values()))
        ] + [
            models.CheckConstraint(
                condition=Q(digest_hour__lte=23),
                name="notificationsettings_digest_hour",
            )
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"

    def delivery_for(self, kind: str) -> str:
        return getattr(self, EMAIL_FIELDS[kind])
