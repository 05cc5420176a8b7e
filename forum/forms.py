import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Draft

BODY_MAX = 50_000
# An attached image whose description was left empty: ![](/a/12/).
UNDESCRIBED_IMAGE = re.compile(r"!\[\s*\]\(/a/[0-9]+/\)")


class MarkdownTextarea(forms.Textarea):
    """A textarea for markdown: forum/_form_fields.html gives it the formatting
    toolbar (with JavaScript) and the formatting help (always)."""


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Message"),
            max_length=BODY_MAX,
            strip=False,
            widget=MarkdownTextarea(attrs={"rows": 12}),
            error_messages={
                "required": _("Write a message before posting."),
                "max_length": (
                    _(
                        "A message can be at most %(limit_value)s characters "
                        "(this one has %(show_value)s)."
                    )
                ),
            },
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError(_("Write a message before posting."))
        if UNDESCRIBED_IMAGE.search(value):
            raise forms.ValidationError(
                _(
                    "Describe each image in a few words, for people who cannot "
                    "see it: write them between the square brackets of ![ ]."
                )
            )
        return value


class ScheduleCheck(forms.Form):
    """A form with `opens_at` and `closes_at`: the closing must come after the
    opening."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed times are read in the active zone (the reader's): say which.
        zone = _("In %(zone)s time (your time zone, set in your settings).") % {
            "zone": timezone.get_current_timezone_name()
        }
        for name in ("opens_at", "closes_at"):
            field = self.fields[name]
            field.help_text = f"{field.help_text} {zone}".strip()

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The dialogue must close after it opens."))
        return data


class DialogueFieldsMixin(ScheduleCheck):
    """The dialogue parts of a new topic, offered to facilitators."""

    prompts = forms.CharField(
        label=_("Prompting questions"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One question per line; they are listed at the top of the dialogue."
        ),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens for replies at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty to open it now."),
    )
    closes_at = forms.DateTimeField(
        label=_("Locks itself at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_prompts(self):
        text = self.cleaned_data.get("prompts", "")
        if any(len(line.strip()) > 500 for line in text.splitlines()):
            raise forms.ValidationError(
                _("Each question can be at most 500 characters.")
            )
        return text


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        min_length=3,
        max_length=200,
        error_messages={
            "required": _("Give the topic a title."),
            "min_length": _("A title needs at least %(limit_value)s characters."),
            "max_length": _("A title can be at most %(limit_value)s characters."),
        },
    )
    body = BodyField()


class ReplyForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        max_length=200,
        help_text=_(
            "Optional. Without one, the first words of your message are shown."
        ),
        error_messages={
            "max_length": _("A subject can be at most %(limit_value)s characters.")
        },
    )
    body = BodyField()
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quoting = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The quote that the reply page shows as "Quoting NAME" where JavaScript runs
    # (static/js/composer.js): taken out of the textarea, put back in front of
    # the message here, so that what is posted is the same as without it.
    quotation = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    submission_key = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args,
        prompts=(),
        follow_up_to: str = "",
        ask_consent: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if self.data.get("quotation"):
            self.data = self.data.copy()
            self.data["body"] = self.data["quotation"] + self.data.get("body", "")
            self.data["quotation"] = ""
        if prompts:
            self.fields["answering"] = forms.TypedMultipleChoiceField(
                label=_("Answering"),
                required=False,
                coerce=int,
                choices=[(p.pk, p.text) for p in prompts],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Tick the questions your reply answers."),
                error_messages={
                    "invalid_choice": _("That question is not one of this dialogue's.")
                },
            )
        if follow_up_to:
            self.fields["follow_up"] = forms.BooleanField(
                label=_("This is a follow-up question to %(name)s")
                % {"name": follow_up_to},
                required=False,
                help_text=_("It stays in your queue until they answer."),
            )
        if ask_consent:
            self.fields["named_in_exports"] = forms.TypedChoiceField(
                label=_(
                    "May your name appear when this dialogue is exported or printed?"
                ),
                coerce=lambda value: value == "yes",
                choices=[
                    ("yes", _("Yes, use my name")),
                    ("no", _("No, call me “Participant 1, 2…”")),
                ],
                widget=forms.RadioSelect,
                required=False,
                empty_value=None,
                help_text=_(
                    "You can answer later; you can change it in your settings."
                ),
            )


class EditPostForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"),
        required=False,
        max_length=200,
        error_messages={
            "max_length": _("A subject can be at most %(limit_value)s characters.")
        },
    )
    body = BodyField()


class EditOpeningPostForm(TopicForm):
    pass


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        widget=forms.TextInput(attrs={"type": "search"}),
        required=False,
        max_length=500,
        error_messages={
            "max_length": _(
                "A search can be at most %(limit_value)s characters "
                "(this one has %(show_value)s)."
            )
        },
    )
    # The id of one of the categories the reader may see (given to the form, so
    # that the choices and the search share one query).
    category = forms.TypedChoiceField(
        label=_("Category"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": forms.ModelChoiceField.default_error_messages[
                "invalid_choice"
            ]
        },
    )
    author = forms.CharField(
        label=_("Author (username)"), required=False, max_length=150
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    topics_only = forms.BooleanField(label=_("Topics only"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("relevance", _("Most relevant first")), ("date", _("Newest first"))],
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", _("All categories")),
            *((category.pk, category.name) for category in categories),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The “from” date is after the “to” date."))
        return data


class DialogueTopicForm(TopicForm, DialogueFieldsMixin):
    pass


class DraftForm(forms.Form):
    """What a draft keeps of a post form (its title or subject, and its text):
    nothing is required, but it must fit a post."""

    kind = forms.ChoiceField(choices=Draft.Kind.choices)
    title = forms.CharField(
        required=False,
        max_length=200,
        strip=False,
        error_messages={
            "max_length": _("A title can be at most %(limit_value)s characters.")
        },
    )
    body = forms.CharField(
        required=False,
        max_length=BODY_MAX,
        strip=False,
        error_messages={
            "max_length": _(
                "A message can be at most %(limit_value)s characters "
                "(this one has %(show_value)s)."
            )
        },
    )

    def __init__(self, data, kind: str):
        super().__init__(
            {
                "kind": kind,
                "title": data.get("title") or data.get("subject") or "",
                "body": data.get("body", ""),
            }
        )
