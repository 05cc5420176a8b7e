from django import forms
from django.utils.translation import gettext_lazy as _

from forum.exceptions import ForumError
from forum.forms import MarkdownTextarea, ScheduleCheck

from .models import Series
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
