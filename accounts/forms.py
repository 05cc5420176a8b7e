import zoneinfo
from functools import cache

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import queries
from .models import User, language_choices
from .names import is_reserved, normalise, refused_characters, skeleton

# User.named_in_exports as the settings form's choices.
CONSENT_CHOICES = {True: "yes", False: "no", None: "undecided"}
CONSENT_VALUES = {choice: value for value, choice in CONSENT_CHOICES.items()}


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone this system knows, by name ("Europe/Paris")."""
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


def clean_name(value: str) -> str:
    """A typed name, NFKC-normalised; refused with a form error if it holds
    control or invisible characters."""
    refused = refused_characters(value)
    if refused:
        raise forms.ValidationError(
            _(
                "A name cannot contain control or invisible characters (line "
                "breaks, tabs, direction or zero-width marks). Found: %(codes)s."
            ),
            code="control_characters",
            params={"codes": ", ".join(refused)},
        )
    return normalise(value)


RESERVED_ERROR = _("This name is kept for the forum's team. Choose another.")
LOOK_ALIKE_USERNAME = _(
    "This username looks too much like someone else's name. Choose another."
)


def check_username(username: str, *, user: User | None, team: bool = False) -> None:
    """Refuse a username that looks like another account's username or display
    name, or (unless chosen by an admin, team) like a name of the team."""
    if not team and is_reserved(username):
        raise forms.ValidationError(RESERVED_ERROR, code="reserved")
    if queries.name_looks_taken(skeleton(username), user=user):
        raise forms.ValidationError(
            _("This username looks too much like someone else's name. Choose another."),
            code="look_alike",
        )


def check_display_name(name: str, *, user: User | None, team: bool) -> None:
    """Refuse a display name that looks like the name an admin or a
    facilitator shows as, or (for anyone but the team) like a name of the
    team. Participants may share a name ("Ana"): their profiles tell them
    apart."""
    if not name:
        return
    if not team and is_reserved(name):
        raise forms.ValidationError(RESERVED_ERROR, code="reserved")
    if queries.team_shows_as(skeleton(name), user=user):
        raise forms.ValidationError(
            _(
                "This name looks like the name of a facilitator or an admin. "
                "Choose another, so that readers can tell you apart."
            ),
            code="look_alike",
        )


def is_team(user: User | None) -> bool:
    return bool(user and (user.is_staff or user.is_facilitator))


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Shown on your posts instead of your username."),
    )
    signature = forms.CharField(
        label=_("Signature"),
        max_length=500,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Markdown, shown under each of your posts. At most 500 characters."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the forum"),
        required=False,
        choices=language_choices,
        help_text=_(
            "Buttons, menus and emails; posts stay in the language they were "
            "written in."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=time_zone_choices,
        help_text=_(
            "Every time the forum shows you, and in your emails. A new account "
            "starts in the zone chosen at sign-up (the browser's, where "
            "JavaScript runs)."
        ),
    )
    named_in_exports = forms.ChoiceField(
        label=_("May your name appear when dialogues are exported or printed?"),
        required=False,
        choices=[
            ("yes", _("Yes, use my name")),
            ("no", _("No, call me “Participant 1, 2…”")),
            (
                "undecided",
                _("Not decided (asked again when you next post in a dialogue)"),
            ),
        ],
        widget=forms.RadioSelect,
        help_text=_(
            "Facilitators keep finished dialogues as documents to print or share. "
            "Until you say yes you appear in them as “Participant 1, 2…”."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault(
            "named_in_exports", CONSENT_CHOICES[user.named_in_exports]
        )
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_display_name(self) -> str:
        name = clean_name(self.cleaned_data["display_name"])
        # A name kept as it was is not checked again: saving a signature never
        # asks for a new name.
        if skeleton(name) != self.user.display_name_skeleton:
            check_display_name(name, user=self.user, team=is_team(self.user))
        return name

    def clean_language(self) -> str:
        """The chosen language ("" follows the browser); a submission without
        the field leaves the current choice as it is."""
        if "language" not in self.data:
            return self.user.language
        return self.cleaned_data["language"]

    def clean_time_zone(self) -> str:
        """The chosen zone; a submission without one keeps the current zone."""
        return self.cleaned_data.get("time_zone") or self.user.time_zone

    def clean_named_in_exports(self) -> bool | None:
        """True, False or None (not decided); a submission without the question
        leaves the current answer as it is."""
        choice = self.cleaned_data.get("named_in_exports")
        if not choice:
            return self.user.named_in_exports
        return CONSENT_VALUES[choice]


class LoginForm(AllauthLoginForm):
    """allauth's sign-in in the site's words ("Login" names nothing a person
    typed in)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["remember"].label = _("Keep me signed in")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with a honeypot: a field people never see or fill in,
    which simple spam robots fill."""

    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    # Asked, so that without JavaScript too the account starts in the person's
    # zone; forum.js chooses the browser's zone for them. A name zoneinfo does
    # not know (a browser's odd answer) is no error of theirs: UTC.
    browser_time_zone = forms.CharField(
        label=_("Your time zone"),
        required=False,
        max_length=64,
        initial="UTC",
        widget=forms.Select(choices=time_zone_choices),
        help_text=_("Deadlines and times are shown in it. You can change it later."),
    )

    field_order = [
        "username",
        "email",
        "password1",
        "password2",
        "browser_time_zone",
        "website",
    ]

    def clean_browser_time_zone(self) -> str:
        name = self.cleaned_data.get("browser_time_zone", "")
        return name if name in zoneinfo.available_timezones() else "UTC"

    def clean_username(self) -> str:
        self.cleaned_data["username"] = clean_name(self.cleaned_data["username"])
        username = super().clean_username()
        check_username(username, user=None)
        return username

    def try_save(self, request):
        """allauth's save; a look-alike username that another sign-up stored
        between the check and this save (the database refuses a second
        skeleton) is the same form error, not a server error."""
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            shape = skeleton(self.cleaned_data["username"])
            if not User.objects.filter(username_skeleton=shape).exists():
                raise
        self.add_error("username", forms.ValidationError(LOOK_ALIKE_USERNAME))
        context = {"form": self, "login_url": reverse("account_login")}
        return None, render(request, "account/signup.html", context)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("This sign-up could not be accepted."))
        return ""


class UserAddForm(AdminUserCreationForm):
    """The admin's new-user form: the same name rules as sign-up, except that
    admins may give the team's reserved names."""

    class Meta(AdminUserCreationForm.Meta):
        model = User

    def clean_username(self) -> str:
        self.cleaned_data["username"] = clean_name(self.cleaned_data["username"])
        username = super().clean_username()
        if username:
            check_username(username, user=None, team=True)
        return username


class UserEditForm(UserChangeForm):
    """The admin's user form: names checked as in sign-up and the profile."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean_username(self) -> str:
        username = clean_name(self.cleaned_data["username"])
        kept = self.instance.username_skeleton.partition("#")[0]
        if skeleton(username) != kept:
            check_username(username, user=self.instance, team=True)
        return username

    def clean_display_name(self) -> str:
        name = clean_name(self.cleaned_data["display_name"])
        if skeleton(name) != self.instance.display_name_skeleton:
            check_display_name(name, user=self.instance, team=True)
        return name


KEEP_POSTS, REMOVE_POSTS = "keep", "remove"


class DeleteUserForm(forms.Form):
    """What becomes of a deleted account's posts (an admin deleting for a user)."""

    posts = forms.ChoiceField(
        label=_("Their posts"),
        choices=[
            (KEEP_POSTS, _("Keep their posts, shown as “Former participant”")),
            (
                REMOVE_POSTS,
                _(
                    "Remove their posts too (placeholders keep the conversation's "
                    "shape)"
                ),
            ),
        ],
        initial=KEEP_POSTS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what becomes of the posts.")},
    )

    @property
    def remove_posts(self) -> bool:
        return self.cleaned_data["posts"] == REMOVE_POSTS


class DeleteAccountForm(DeleteUserForm):
    """A user deleting their own account, confirmed with their password."""

    posts = forms.ChoiceField(
        label=_("Your posts"),
        choices=[
            (KEEP_POSTS, _("Keep my posts, shown as “Former participant”")),
            (
                REMOVE_POSTS,
                _("Remove my posts too (placeholders keep the conversation's shape)"),
            ),
        ],
        initial=KEEP_POSTS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what becomes of your posts.")},
    )
    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password to confirm.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password
