from django import forms

BODY_MAX = 50_000


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label="Message",
            max_length=BODY_MAX,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 12}),
            error_messages={
                "required": "Write a message before posting.",
                "max_length": (
                    "A message can be at most %(limit_value)s characters "
                    "(this one has %(show_value)s)."
                ),
            },
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        if not value.strip():
            raise forms.ValidationError("Write a message before posting.")
        return value


class DialogueFieldsMixin(forms.Form):
    """The dialogue parts of a new topic, offered to facilitators."""

    prompts = forms.CharField(
        label="Prompting questions",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One question per line; they are listed at the top of the dialogue.",
    )
    opens_at = forms.DateTimeField(
        label="Opens for replies at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty to open it now.",
    )
    closes_at = forms.DateTimeField(
        label="Locks itself at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_prompts(self):
        text = self.cleaned_data.get("prompts", "")
        if any(len(line.strip()) > 500 for line in text.splitlines()):
            raise forms.ValidationError("Each question can be at most 500 characters.")
        return text

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The dialogue must close after it opens.")
        return data


class TopicForm(forms.Form):
    title = forms.CharField(
        min_length=3,
        max_length=200,
        error_messages={
            "required": "Give the topic a title.",
            "min_length": "A title needs at least %(limit_value)s characters.",
            "max_length": "A title can be at most %(limit_value)s characters.",
        },
    )
    body = BodyField()


class ReplyForm(forms.Form):
    subject = forms.CharField(
        required=False,
        max_length=200,
        help_text="Optional. Without one, the first words of your message are shown.",
        error_messages={
            "max_length": "A subject can be at most %(limit_value)s characters."
        },
    )
    body = BodyField()
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    quoting = forms.IntegerField(required=False, widget=forms.HiddenInput)
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
        if prompts:
            self.fields["answering"] = forms.TypedMultipleChoiceField(
                label="Answering",
                required=False,
                coerce=int,
                choices=[(p.pk, p.text) for p in prompts],
                widget=forms.CheckboxSelectMultiple,
                help_text="Tick the questions your reply answers.",
                error_messages={
                    "invalid_choice": "That question is not one of this dialogue's."
                },
            )
        if follow_up_to:
            self.fields["follow_up"] = forms.BooleanField(
                label=f"This is a follow-up question to {follow_up_to}",
                required=False,
                help_text="It stays in your queue until they answer.",
            )
        if ask_consent:
            self.fields["named_in_exports"] = forms.TypedChoiceField(
                label="May your name appear when this dialogue is exported or printed?",
                coerce=lambda value: value == "yes",
                choices=[
                    ("yes", "Yes, use my name"),
                    ("no", "No, call me “Participant 1, 2…”"),
                ],
                widget=forms.RadioSelect,
                required=False,
                empty_value=None,
                help_text="You can answer later; you can change it in your settings.",
            )


class EditPostForm(forms.Form):
    subject = forms.CharField(
        required=False,
        max_length=200,
        error_messages={
            "max_length": "A subject can be at most %(limit_value)s characters."
        },
    )
    body = BodyField()


class EditOpeningPostForm(TopicForm):
    pass


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search for",
        widget=forms.TextInput(attrs={"type": "search"}),
        required=False,
        max_length=500,
        error_messages={
            "max_length": "A search can be at most %(limit_value)s characters "
            "(this one has %(show_value)s)."
        },
    )
    category = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All categories"
    )
    author = forms.CharField(label="Author (username)", required=False, max_length=150)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    topics_only = forms.BooleanField(label="Topics only", required=False)
    order = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[("relevance", "Most relevant first"), ("date", "Newest first")],
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The “from” date is after the “to” date.")
        return data


class DialogueTopicForm(TopicForm, DialogueFieldsMixin):
    pass
