import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from forum.exceptions import ForumError
from forum.forms import MarkdownTextarea, ScheduleCheck

from .models import Series
from .queries import Invitee
from .services import parse_tags


class ScheduleForm(ScheduleCheck):
    opens_at = forms.DateTimeField(
        label=_("Opens for replies at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = forms.DateTimeField(
        label=_("Locks itself at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    series = forms.ModelChoiceField(
        label=_("Series"),
        queryset=Series.objects.order_by("name"),
        required=False,
        empty_label=_("Not in a series"),
    )


class PromptForm(forms.Form):
    text = forms.CharField(
        label=_("Question"),
        max_length=500,
        error_messages={"required": _("Write the question.")},
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=50_000,
        strip=False,
        widget=MarkdownTextarea(attrs={"rows": 16}),
        help_text=_(
            "Markdown. Quote posts with “> ” and link them with their "
            "permanent address."
        ),
    )


class AnnotationForm(forms.Form):
    note = forms.CharField(
        label=_("Note (only facilitators see it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tags = forms.CharField(
        label=_("Theme tags"),
        required=False,
        max_length=1000,
        help_text=_(
            "Separated by commas, e.g. “quote for summary, theme: trust”; "
            "at most 10, each up to 40 characters."
        ),
    )

    def clean_tags(self):
        try:
            return parse_tags(self.cleaned_data["tags"])
        except ForumError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("note", "").strip() and not data["tags"]:
            raise forms.ValidationError(_("Write a note or give at least one tag."))
        return data


# Lines, commas and semicolons part the people of a pasted list; spaces too,
# except inside a mail client's "Name <address>".
_CHUNKS = re.compile(r"[\n,;]+")
_NAMED_ADDRESS = re.compile(r"<([^<>]+)>")


def split_people(text: str) -> list[str]:
    """The addresses and usernames in a pasted list, each once, in order."""
    found: list[str] = []
    for chunk in _CHUNKS.split(text):
        named = _NAMED_ADDRESS.search(chunk)
        for entry in [named.group(1)] if named else chunk.split():
            entry = entry.strip()
            if entry and entry.lower() not in (f.lower() for f in found):
                found.append(entry)
    return found


def _language_choices():
    return settings.LANGUAGES


class InvitationForm(forms.Form):
    people = forms.CharField(
        label=_("Email addresses or usernames"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        help_text=_(
            "One per line, or separated by commas or spaces. For someone who "
            "already has an account, their username is enough (it may start "
            "with @)."
        ),
        error_messages={"required": _("Give at least one email address or username.")},
    )
    language = forms.ChoiceField(
        label=_("Language of the email"),
        choices=_language_choices,
        help_text=_(
            "For people without an account; those with one get it in their "
            "own language."
        ),
    )

    def __init__(self, *args, most: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.most = most
        codes = [code for code, _name in settings.LANGUAGES]
        current = translation.get_language()
        self.fields["language"].initial = (
            current if current in codes else settings.LANGUAGE_CODE
        )

    def clean_people(self) -> list[Invitee]:
        """Each person as an Invitee; every entry that names nobody is one error
        of its own, so the facilitator sees each to correct."""
        entries = split_people(self.cleaned_data["people"])
        if not entries:
            raise ValidationError(self.fields["people"].error_messages["required"])
        if len(entries) > self.most:
            raise ValidationError(
                _("Invite at most %(most)s people at once (the list has %(count)s).")
                % {"most": self.most, "count": len(entries)}
            )
        # "@name" is always a username; anything else with an @ is an address.
        addresses = [e for e in entries if "@" in e[1:]]
        names = [e.removeprefix("@") for e in entries if e not in addresses]
        errors = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                errors.append(
                    _("“%(entry)s” is not a valid email address.") % {"entry": address}
                )
        active = User.objects.filter(is_active=True)
        by_email = {
            user.lowered: user
            for user in active.annotate(lowered=Lower("email")).filter(
                lowered__in=[a.lower() for a in addresses]
            )
        }
        by_name = {
            user.lowered: user
            for user in active.annotate(lowered=Lower("username")).filter(
                lowered__in=[n.lower() for n in names]
            )
        }
        invitees: dict[str, Invitee] = {}
        for entry in entries:
            if entry in addresses:
                email = entry.lower()
                invitees.setdefault(email, Invitee(entry, email, by_email.get(email)))
                continue
            name = entry.removeprefix("@")
            user = by_name.get(name.lower())
            if user is None:
                errors.append(
                    _(
                        "There is no account “%(entry)s”: to invite someone "
                        "without one, give their email address."
                    )
                    % {"entry": name}
                )
            elif not user.email:
                errors.append(
                    _("%(entry)s has no email address to invite.") % {"entry": name}
                )
            else:
                email = user.email.lower()
                invitees.setdefault(email, Invitee(f"@{user.username}", email, user))
        if errors:
            raise ValidationError(errors)
        return list(invitees.values())
