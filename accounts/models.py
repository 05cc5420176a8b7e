import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .names import skeleton


def validate_time_zone(value: str) -> None:
    """An IANA time zone name known to this system (e.g. "Europe/Paris")."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), params={"value": value}
        )


def language_choices() -> list[tuple[str, str]]:
    return [("", _("Your browser's language")), *settings.LANGUAGES]


class User(AbstractUser):
    class ThreadView(models.TextChoices):
        THREADED = "threaded", _("Threaded")
        FLAT = "flat", _("Flat")

    display_name = models.CharField(max_length=60, blank=True)
    signature = models.TextField(max_length=500, blank=True)
    # Rendered and sanitised by accounts.services.update_profile (through the
    # forum's answer to accounts.signals.signature_rendering).
    signature_html = models.TextField(blank=True, editable=False)
    thread_view = models.CharField(
        max_length=10, choices=ThreadView.choices, default=ThreadView.THREADED
    )
    # The interface language; blank follows the browser (Accept-Language). Set by
    # accounts.services.set_language, applied by accounts.middleware.
    language = models.CharField(max_length=10, blank=True, choices=language_choices)
    # Every time shown to the user is in this zone (accounts.middleware), and in
    # their emails (notifications.emails). Set by accounts.services.update_profile.
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Whether the user may be named in exported dialogues; None until asked (the
    # reply form asks on their first post in a dialogue). Set by
    # accounts.services.set_export_consent.
    named_in_exports = models.BooleanField(null=True, blank=True)
    # Whether the user facilitates any category; kept by moderation.services
    # (appoint_facilitator, remove_facilitator) so pages can link the dashboard.
    is_facilitator = models.BooleanField(default=False, editable=False)
    # Set by moderation.services.suspend_user / unsuspend_user. Suspended users
    # read but do not write; no end date means until lifted.
    suspended_at = models.DateTimeField(null=True, blank=True, editable=False)
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    suspension_reason = models.TextField(blank=True, editable=False)
    # Unread notifications shown in the header, loaded with the user (no query of
    # its own); kept by notifications.services, in the transaction that adds or
    # reads the rows it counts.
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)
    # What the username and the display name look like (accounts.names.skeleton),
    # so that a look-alike of any name is found with one indexed query. Kept by
    # save() (sign-up, the admin, createsuperuser, accounts.services.create_user)
    # and by accounts.services.update_profile.
    username_skeleton = models.TextField(editable=False, default="")
    display_name_skeleton = models.TextField(
        editable=False, blank=True, default="", db_index=True
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            # No two usernames look alike ("admin", "ADMİN", "admin" in Cyrillic).
            models.UniqueConstraint(
                fields=["username_skeleton"], name="accounts_user_username_skeleton"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forum:profile", args=[self.username])

    def save(self, *args, **kwargs):
        # Derived from the names on every write, whichever path makes it. An
        # account that already looked like an older one when skeletons came
        # (migration 0007 suffixed its skeleton with "#id") keeps its suffix.
        shape = skeleton(self.username)
        if self.username_skeleton.partition("#")[0] != shape:
            self.username_skeleton = shape
        self.display_name_skeleton = skeleton(self.display_name)
        fields = kwargs.get("update_fields")
        if fields is not None:
            fields = set(fields)
            if "username" in fields:
                fields.add("username_skeleton")
            if "display_name" in fields:
                fields.add("display_name_skeleton")
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @cached_property
    def has_second_factor(self) -> bool:
        """Whether the user has an authenticator app or a security key (allauth.mfa;
        recovery codes only stand in for these). One query, kept as long as this
        instance: a request's user."""
        return self.authenticator_set.filter(type__in=["totp", "webauthn"]).exists()

    @property
    def is_suspended(self) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > timezone.now()
