"""Each user's time zone is used for every time shown to them; signed-out
readers see the site's TIME_ZONE (UTC). <time datetime> keeps the ISO value."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import User
from forum.models import Post
from tests.factories import make_facilitator

NOON_UTC = datetime(2026, 3, 14, 12, 5, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def dated(forum):
    _, topic, reply = forum
    Post.objects.filter(pk=reply.pk).update(created_at=NOON_UTC)
    return topic


def test_signed_out_readers_see_utc(client, dated):
    page = client.get(dated.get_absolute_url()).content.decode()
    assert (
        '<time datetime="2026-03-14T12:05:00+00:00">14 Mar 2026, 12:05</time>' in page
    )


def test_a_users_time_zone_is_used(client, user, dated):
    User.objects.filter(pk=user.pk).update(time_zone="Asia/Tokyo")
    client.force_login(user)
    page = client.get(dated.get_absolute_url()).content.decode()
    assert (
        '<time datetime="2026-03-14T21:05:00+09:00">14 Mar 2026, 21:05</time>' in page
    )


def test_french_dates_name_the_month_in_french(client, user, dated):
    User.objects.filter(pk=user.pk).update(time_zone="Europe/Paris", language="fr")
    client.force_login(user)
    page = client.get(dated.get_absolute_url()).content.decode()
    assert ">14 mars 2026, 13:05</time>" in page


def test_time_zone_is_chosen_in_the_settings(client, user):
    client.force_login(user)
    data = {
        "display_name": "",
        "signature": "",
        "language": "fr",
        "time_zone": "America/Sao_Paulo",
        "named_in_exports": "undecided",
    }
    response = client.post(reverse("accounts:edit_profile"), data)
    assert response.status_code == 302
    saved = User.objects.get(pk=user.pk)
    assert (saved.language, saved.time_zone) == ("fr", "America/Sao_Paulo")
    page = client.get(reverse("accounts:edit_profile")).content.decode()
    assert '<option value="America/Sao_Paulo" selected>' in page
    assert "Votre profil est enregistré." in page


def test_an_unknown_time_zone_is_a_form_error(client, user):
    client.force_login(user)
    data = {"time_zone": "Mars/Olympus_Mons", "language": "", "display_name": "Rosa"}
    response = client.post(reverse("accounts:edit_profile"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert User.objects.get(pk=user.pk).time_zone == "UTC"


def test_the_model_refuses_an_unknown_time_zone(user):
    from django.core.exceptions import ValidationError

    user.time_zone = "Nowhere/Atlantis"
    with pytest.raises(ValidationError):
        user.full_clean()


CLOSES = datetime(2026, 12, 17, 0, 7, tzinfo=ZoneInfo("UTC"))


def test_a_deadline_names_its_time_zone(client, user, dated):
    """ "Open until" says which zone its time is in: UTC for a visitor, the
    reader's own zone for a signed-in reader."""
    dated.__class__.objects.filter(pk=dated.pk).update(closes_at=CLOSES)
    page = client.get(dated.get_absolute_url()).content.decode()
    assert ">17 Dec 2026, 00:07</time> (UTC)." in page
    User.objects.filter(pk=user.pk).update(time_zone="Asia/Tokyo")
    client.force_login(user)
    page = client.get(dated.get_absolute_url()).content.decode()
    assert ">17 Dec 2026, 09:07</time> (Asia/Tokyo)." in page


def test_deadline_fields_name_the_zone_they_are_read_in(client, dated):
    """The dialogue settings' "Locks itself at" says the facilitator's zone."""
    facilitator = make_facilitator(dated.category)
    User.objects.filter(pk=facilitator.pk).update(time_zone="America/Lima")
    client.force_login(facilitator)
    page = client.get(f"/moderation/t/{dated.pk}/dialogue/").content.decode()
    assert page.count("In America/Lima time") == 2


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("Europe/Paris", "Europe/Paris"), ("Mars/Olympus", "UTC"), ("", "UTC")],
)
def test_a_new_account_takes_the_browsers_time_zone(client, sent, kept):
    """The sign-up form asks for the zone (JavaScript chooses the browser's):
    the new account takes it when zoneinfo knows it, UTC otherwise."""
    page = client.get("/accounts/signup/").content.decode()
    assert '<select name="browser_time_zone"' in page
    assert '<option value="Europe/Paris">Europe/Paris</option>' in page
    response = client.post(
        "/accounts/signup/",
        {
            "username": "amara",
            "email": "amara@example.org",
            "password1": "correct-horse-battery",
            "password2": "correct-horse-battery",
            "browser_time_zone": sent,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="amara").time_zone == kept


def test_the_settings_page_says_where_the_zone_came_from(client, user):
    client.force_login(user)
    page = client.get(reverse("accounts:edit_profile")).content.decode()
    assert "starts in the zone chosen at sign-up" in page
