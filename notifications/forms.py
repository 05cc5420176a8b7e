"""Forms for notification settings and watching."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import EMAIL_FIELDS, Delivery, NotificationSettings, Watch

EMAIL_CHOICE_LABELS = {
    "email_follow_up": _("A facilitator asks you a follow-up question"),
    "email_mention": _("Someone mentions you (@yourname)"),
    "email_quote": _("Someone quotes your post"),
    "email_reply": _("Someone replies to your post"),
    "email_watched": _("New posts in topics and categories you watch"),
    "email_moderation": _("Your post is hidden or shown again; your report is handled"),
}


class NotificationSettingsForm(forms.Form):
    auto_watch = forms.BooleanField(
        required=False,
        label=_("Watch the topics I start or reply to"),
    )
    digest = forms.BooleanField(
        required=False,
        label=_("Send me a daily digest email"),
        help_text=_(
            "Notifications you chose to get “in the daily digest”, and the "
            "new posts of dialogues you follow by digest, in one email a day."
        ),
    )
    digest_hour = forms.TypedChoiceField(
        coerce=int,
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        label=_("Send the digest at"),
        help_text=_("In the time zone of your profile."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in sorted(set(EMAIL_FIELDS.values()), key=_field_order):
            self.fields[name] = forms.ChoiceField(
                choices=Delivery.choices,
                widget=forms.RadioSelect,
                label=EMAIL_CHOICE_LABELS[name],
            )

    @staticmethod
    def initial_for(choice: NotificationSettings) -> dict:
        names = ["auto_watch", "digest", "digest_hour", *EMAIL_CHOICE_LABELS]
        initial = {name: getattr(choice, name) for name in names}
        if initial["digest_hour"] is None:
            initial["digest_hour"] = settings.FORUM_DIGEST_HOUR
        return initial


def _field_order(name: str) -> int:
    return list(EMAIL_CHOICE_LABELS).index(name)


class TopicWatchForm(forms.Form):
    level = forms.ChoiceField(
        choices=Watch.Level.choices,
        widget=forms.RadioSelect,
        label=_("Notifications for this topic"),
    )
