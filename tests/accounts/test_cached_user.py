"""The signed-in user comes from the process's memory while their row is
unchanged (accounts.middleware.cached_get_user), and never once it changed: a new
password, a deactivation, a new name or staff flag take effect on the next
request. These tests commit for real (transaction=True): the cache is bypassed
inside an open transaction."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory
from tests.forum.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = reverse("accounts:edit_profile")


def user_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return sum('FROM "accounts_user"' in q["sql"] for q in queries)


def test_the_user_row_is_read_once_while_unchanged():
    client = signed_in(UserFactory())
    assert user_queries(client, SETTINGS) >= 1
    assert user_queries(client, SETTINGS) == 0


def test_a_new_password_elsewhere_signs_this_session_out():
    user = UserFactory()
    client = signed_in(user)
    client.get(SETTINGS)
    client.get(SETTINGS)  # now kept
    user.set_password("another-horse-battery")
    user.save()
    response = client.get(SETTINGS)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_deactivated_user_is_signed_out_at_once():
    user = UserFactory()
    client = signed_in(user)
    client.get(SETTINGS)
    client.get(SETTINGS)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(SETTINGS).status_code == 302


def test_a_new_name_and_staff_flag_show_at_once():
    user = UserFactory(display_name="First Name")
    client = signed_in(user)
    assert "First Name" in client.get(SETTINGS).content.decode()
    User.objects.filter(pk=user.pk).update(display_name="Second Name", is_staff=True)
    html = client.get(SETTINGS).content.decode()
    assert "Second Name" in html and "First Name" not in html
    assert f'href="{reverse("admin:index")}"' in html


def test_a_session_whose_hash_does_not_match_is_not_served_the_kept_user():
    """Another session naming the same user id with a wrong hash gets no user,
    even while the user is kept."""
    user = UserFactory()
    client = signed_in(user)
    forged = signed_in(user)  # signing in writes the user row: before the rest
    session = forged.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    client.get(SETTINGS)
    assert user_queries(client, SETTINGS) == 0  # kept
    assert forged.get(SETTINGS).status_code == 302
    assert client.get(SETTINGS).status_code == 200
