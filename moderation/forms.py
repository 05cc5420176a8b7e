from django import forms

from accounts.models import User
from forum.exceptions import ForumError
from forum.models import Category

from .models import AuditEntry, Report
from .services import parse_tags


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason; the author will see it."},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason."},
    )
    text = forms.CharField(
        label="Anything the facilitators should know",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give a reason; the user will see it."},
    )
    until = forms.DateTimeField(
        required=False,
        label="Until (leave empty for an indefinite suspension)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    hide_posts = forms.BooleanField(
        required=False, label="Also hide all their posts (spam clean-up)"
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditEntry.Action.choices]
    )
    category = forms.ModelChoiceField(
        required=False, queryset=Category.objects.all(), empty_label="Any category"
    )
    actor = forms.CharField(required=False, max_length=150, label="By (username)")


class UserFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Search")
    role = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Everyone"),
            ("staff", "Admins"),
            ("facilitator", "Facilitators"),
            ("suspended", "Suspended"),
        ],
    )


class UsernameForm(forms.Form):
    username = forms.CharField(max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise forms.ValidationError(f"There is no user “{username}”.") from None


class AnnotationForm(forms.Form):
    note = forms.CharField(
        label="Note (only facilitators see it)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tags = forms.CharField(
        label="Theme tags",
        required=False,
        max_length=1000,
        help_text="Separated by commas, e.g. “quote for summary, theme: trust”; "
        "at most 10, each up to 40 characters.",
    )

    def clean_tags(self):
        try:
            return parse_tags(self.cleaned_data["tags"])
        except ForumError as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("note", "").strip() and not data["tags"]:
            raise forms.ValidationError("Write a note or give at least one tag.")
        return data
