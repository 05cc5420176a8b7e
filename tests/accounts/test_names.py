"""Names that cannot impersonate anyone or carry hidden characters: usernames
and display names are refused when they hold control or invisible characters
or look like someone else's name (Unicode skeletons), and stored NFKC."""

import pytest
from django.core.cache import cache
from django.db import IntegrityError
from django.forms.models import model_to_dict

from accounts.forms import UserAddForm, UserEditForm
from accounts.models import User
from accounts.names import is_reserved, skeleton
from accounts.services import update_profile
from tests.factories import UserFactory, make_facilitator

SIGNUP = "/accounts/signup/"
PROFILE = "/accounts/profile/"
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def sign_up(client, username, email="new@example.org"):
    return client.post(
        SIGNUP,
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("admin", "adm\u0456n"),  # Cyrillic i
        ("admin", "\u0430dmin"),  # Cyrillic a
        ("admin", "ADMİN"),  # dotted capital I
        ("admin", "\uff41\uff44\uff4d\uff49\uff4e"),  # full width
        (
            "Maren Holt",
            "\u041c\u0430ren  \u041d\u043elt",
        ),  # Cyrillic M, a, H, o; two spaces
        ("Forum Team", "forum_team"),
        ("Équipe du forum", "equipe-du-forum"),
    ],
)
def test_look_alikes_share_a_skeleton(one, other):
    """Names that look alike have one skeleton."""
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("admin", "adrian"), ("Ana", "Anna")])
def test_different_names_have_different_skeletons(one, other):
    assert skeleton(one) != skeleton(other)


@pytest.mark.parametrize(
    "name", ["Forum Team", "ADMIN", "Modérateur", "Animatrice", "Participant 4"]
)
def test_team_names_are_reserved(name):
    assert is_reserved(name)


@pytest.mark.parametrize("lookalike", ["adm\u0456n", "\u0430dmin", "ADMİN", "Admin"])
def test_sign_up_refuses_a_look_alike_of_a_username(client, lookalike):
    """A username that looks like an existing one is a form error."""
    UserFactory(username="admin")

    response = sign_up(client, lookalike)

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == 1


def test_sign_up_refuses_a_look_alike_of_a_display_name(client):
    """A username may not look like the name someone else shows as."""
    UserFactory(display_name="Maren Holt")

    response = sign_up(client, "maren.holt")

    assert "username" in response.context["form"].errors
    assert not User.objects.filter(username="maren.holt").exists()


@pytest.mark.parametrize("name", ["forum_team", "m0derator", "Animateur"])
def test_sign_up_refuses_reserved_names(client, name):
    response = sign_up(client, name)

    assert "reserved" in [
        e.code for e in response.context["form"].errors.as_data()["username"]
    ]
    assert not User.objects.exists()


def test_sign_up_stores_the_username_nfkc(client):
    """A full-width username is stored in the plain letters it shows."""
    response = sign_up(client, "\uff41\uff4d\uff41\uff52\uff41")

    assert response.status_code == 302
    assert User.objects.get().username == "amara"


def test_sign_up_refuses_invisible_characters_clearly(client):
    response = sign_up(client, "ama\u200bra")

    errors = response.context["form"].errors["username"]
    assert any("U+200B" in error for error in errors)
    assert not User.objects.exists()


def test_two_look_alike_usernames_cannot_both_be_stored():
    """The database itself refuses a second username with the same skeleton."""
    UserFactory(username="admin")
    with pytest.raises(IntegrityError):
        UserFactory(username="ADMİN")


@pytest.mark.parametrize(
    "name",
    [
        "Rosa\r\nBcc: everyone@example.org",
        "Rosa\tIlunga",
        "\u202eagnulI asoR",
        "Ro\u2066sa",
        "Ro\u200dsa",
        "\ufeffRosa",
    ],
)
def test_profile_refuses_control_and_format_characters(member_client, user, name):
    """Line breaks, tabs, bidi overrides and isolates, zero-width characters:
    a form error naming them, the typed text kept, nothing stored."""
    response = member_client.post(PROFILE, {"display_name": name, "signature": ""})

    assert response.status_code == 200
    errors = response.context["form"].errors["display_name"]
    assert "control or invisible characters" in errors[0]
    assert User.objects.get(pk=user.pk).display_name == "Rosa Ilunga"


def test_profile_stores_the_display_name_nfkc(member_client, user):
    member_client.post(
        PROFILE, {"display_name": "\uff32\uff4f\uff53\uff41 ﬁne", "signature": ""}
    )

    stored = User.objects.get(pk=user.pk)
    assert stored.display_name == "Rosa fine"
    assert stored.display_name_skeleton == skeleton("Rosa fine")


@pytest.mark.parametrize(
    "name", ["Maren Holt", "\u041c\u0430ren \u041d\u043elt", "maren-holt"]
)
def test_profile_refuses_a_facilitators_name(member_client, user, category, name):
    """A participant cannot show as a facilitator (or a look-alike of one)."""
    make_facilitator(category, display_name="Maren Holt")

    response = member_client.post(PROFILE, {"display_name": name, "signature": ""})

    assert "display_name" in response.context["form"].errors
    assert User.objects.get(pk=user.pk).display_name == "Rosa Ilunga"


def test_profile_refuses_an_admins_username(member_client, user):
    UserFactory(username="helga", is_staff=True, display_name="Helga Lind")

    for name in ["Helga Lind", "HELGA"]:
        response = member_client.post(PROFILE, {"display_name": name})
        assert "display_name" in response.context["form"].errors


def test_participants_may_share_a_name(member_client, user, other_user):
    response = member_client.post(
        PROFILE, {"display_name": other_user.display_name, "signature": ""}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).display_name == other_user.display_name


def test_facilitators_keep_their_own_name(client, category):
    maren = make_facilitator(category, display_name="Maren Holt")
    client.force_login(maren)

    response = client.post(PROFILE, {"display_name": "Maren Holt", "signature": "Hi"})

    assert response.status_code == 302


@pytest.mark.parametrize("name", ["Forum Team", "Équipe du forum", "Moderat0r"])
def test_profile_refuses_the_teams_names_to_participants(member_client, name):
    response = member_client.post(PROFILE, {"display_name": name, "signature": ""})

    assert "display_name" in response.context["form"].errors


def test_admins_may_show_as_the_team(client):
    admin = UserFactory(is_staff=True)
    client.force_login(admin)

    response = client.post(PROFILE, {"display_name": "Forum Team", "signature": ""})

    assert response.status_code == 302
    assert User.objects.get(pk=admin.pk).display_name == "Forum Team"


def admin_edit_form(user, **changes):
    data = {**model_to_dict(user), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return UserEditForm(data=data, instance=user)


def test_admin_form_refuses_control_characters_and_look_alikes(category):
    make_facilitator(category, display_name="Maren Holt")
    UserFactory(username="admin")
    user = UserFactory(username="rosa", display_name="Rosa")

    assert admin_edit_form(user, display_name="Rosa").is_valid()
    bad_name = admin_edit_form(user, display_name="Rosa\r\nBcc: x@example.org")
    assert "display_name" in bad_name.errors
    assert (
        "display_name"
        in admin_edit_form(user, display_name="\u041c\u0430ren Holt").errors
    )
    assert "username" in admin_edit_form(user, username="\u0430dmin").errors


def test_admin_add_form_refuses_look_alikes_and_stores_nfkc():
    UserFactory(username="admin")
    passwords = {
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
    }

    assert "username" in UserAddForm(data={"username": "ADMİN", **passwords}).errors
    form = UserAddForm(data={"username": "\uff52\uff4f\uff53\uff41", **passwords})
    assert form.is_valid(), form.errors
    assert form.save().username_skeleton == skeleton("rosa")


def test_renaming_through_the_service_keeps_the_skeleton(user):
    update_profile(
        user=user, display_name="\uff2d\uff41\uff52\uff45\uff4e", signature=""
    )

    stored = User.objects.get(pk=user.pk)
    assert (stored.display_name, stored.display_name_skeleton) == ("Maren", "rnaren")


def test_a_look_alike_stored_during_sign_up_is_a_form_error(client, monkeypatch):
    """Two sign-ups racing with look-alike names: the one the database refuses
    gets the form back with the error and its typed values, not a 500."""
    UserFactory(username="admin")
    # As if the other sign-up committed after this one's check.
    monkeypatch.setattr("accounts.forms.check_username", lambda *a, **k: None)

    response = sign_up(client, "ADM\u0130N", email="second@example.org")

    assert response.status_code == 200
    assert "too much like" in response.context["form"].errors["username"][0]
    assert 'value="second@example.org"' in response.content.decode()
    assert User.objects.count() == 1


def test_a_name_kept_as_it_was_is_not_checked_again(member_client, user, category):
    """Someone who had a name before a facilitator took a look-alike of it can
    still save the rest of their profile."""
    make_facilitator(category, display_name="Maren Holt")
    User.objects.filter(pk=user.pk).update(
        display_name="Maren Holt", display_name_skeleton=skeleton("Maren Holt")
    )

    response = member_client.post(
        PROFILE, {"display_name": "Maren Holt", "signature": "New"}
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).signature == "New"


def test_admin_user_pages_load(staff_client, user):
    assert staff_client.get("/admin/accounts/user/add/").status_code == 200
    page = staff_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "Rosa Ilunga" in page.content.decode()
