from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from forum.models import Category

from .models import AuditEntry, Report


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason; the author will see it.")},
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason.")},
    )
    text = forms.CharField(
        label=_("Anything the facilitators should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason; the user will see it.")},
    )
    until = forms.DateTimeField(
        required=False,
        label=_("Until (leave empty for an indefinite suspension)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    hide_posts = forms.BooleanField(
        required=False, label=_("Also hide all their posts (spam clean-up)")
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *AuditEntry.Action.choices],
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.all(),
        empty_label=_("Any category"),
    )
    actor = forms.CharField(required=False, max_length=150, label=_("By (username)"))


class UserFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label=_("Search"))
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[
            ("", _("Everyone")),
            ("staff", _("Admins")),
            ("facilitator", _("Facilitators")),
            ("suspended", _("Suspended")),
        ],
    )


class UsernameForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise forms.ValidationError(
                _("There is no user “%(username)s”.") % {"username": username}
            ) from None
