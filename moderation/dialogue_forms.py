from django import forms

from forum.models import Series


class ScheduleForm(forms.Form):
    opens_at = forms.DateTimeField(
        label="Opens for replies at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = forms.DateTimeField(
        label="Locks itself at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    series = forms.ModelChoiceField(
        queryset=Series.objects.order_by("name"),
        required=False,
        empty_label="Not in a series",
    )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The dialogue must close after it opens.")
        return data


class PromptForm(forms.Form):
    text = forms.CharField(
        label="Question",
        max_length=500,
        error_messages={"required": "Write the question."},
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=50_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="Markdown. Quote posts with “> ” and link them with their "
        "permanent address.",
    )
