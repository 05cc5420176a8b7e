"""Rate limits, spam control and no account enumeration."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from forum.models import Post
from moderation.models import Report
from tests.factories import ReplyFactory, UserFactory

PASSWORD = "correct-horse-battery"


def test_failed_logins_are_limited(client, user):
    """After five failed sign-ins for one account, further attempts are refused
    with a clear message, even with the right password."""
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"login": user.username, "password": "wrong"}
        )
        assert "Too many failed login attempts" not in response.content.decode()
    right = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_attempts_per_address_answer_429(client, settings, user):
    """Past the per-address limit, the sign-in page answers a clear 429."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    statuses = [
        client.post(
            "/accounts/login/", {"login": user.username, "password": "wrong"}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_admin_login_goes_through_the_site_login(client):
    """The admin's sign-in page is the site's, with its limits."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def signup(client, n: int, **extra):
    return client.post(
        "/accounts/signup/",
        {
            "username": f"newcomer{n}",
            "email": f"newcomer{n}@example.org",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            **extra,
        },
    )


def test_signups_are_limited_per_address(client):
    """Five sign-ups a minute from one address; the sixth answers 429."""
    statuses = [signup(client, n).status_code for n in range(6)]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert User.objects.filter(username__startswith="newcomer").count() == 5


def test_honeypot_stops_robot_signups(client):
    """A sign-up that fills the hidden field is refused with a message."""
    response = signup(client, 1, website="http://spam.example")
    assert response.status_code == 200
    assert "could not be accepted" in response.content.decode()
    assert not User.objects.filter(username="newcomer1").exists()
    assert mail.outbox == []


def test_password_reset_does_not_reveal_accounts(client, user):
    """Known and unknown addresses get the same answer."""
    known = client.post("/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_password_resets_are_limited(client, user):
    """Three reset requests a minute for one address; then 429."""
    statuses = [
        client.post("/accounts/password/reset/", {"email": user.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 302, 429]


def test_signup_does_not_reveal_taken_emails(client, user):
    """Signing up with a taken email looks like any other sign-up."""
    response = client.post(
        "/accounts/signup/",
        {
            "username": "someoneelse",
            "email": user.email,
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"


@pytest.fixture
def strict_posting(settings):
    settings.FORUM_POSTS_PER_MINUTE = 4
    settings.FORUM_NEW_ACCOUNT_POSTS_PER_MINUTE = 2
    settings.FORUM_NEW_ACCOUNT_POSTS_PER_HOUR = 10


def test_new_accounts_post_slowly(strict_posting, member_client, topic):
    """A new account's third reply in a minute answers 429 and keeps the text."""
    statuses = [
        member_client.post(
            f"/t/{topic.pk}/reply/", {"body": f"Message {n}", "post": "1"}
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    page = member_client.post(
        f"/t/{topic.pk}/reply/", {"body": "Keep <these> words", "post": "1"}
    )
    assert page.status_code == 429
    assert "Keep &lt;these&gt; words</textarea>" in page.content.decode()
    assert Post.objects.filter(topic=topic).count() == 3


def test_established_accounts_post_faster(strict_posting, client, topic):
    """Accounts older than a day may post more often, but not without limit."""
    veteran = UserFactory()
    User.objects.filter(pk=veteran.pk).update(
        date_joined=timezone.now() - timedelta(days=30)
    )
    client.force_login(veteran)
    statuses = [
        client.post(
            f"/t/{topic.pk}/reply/", {"body": f"Message {n}", "post": "1"}
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302, 302, 302, 302, 429]


def test_reports_are_limited(settings, member_client, topic):
    """Reporting is limited per hour."""
    settings.FORUM_REPORTS_PER_HOUR = 2
    posts = [ReplyFactory(topic=topic) for _ in range(3)]
    statuses = [
        member_client.post(
            f"/moderation/p/{post.pk}/report/", {"reason": "spam", "text": ""}
        ).status_code
        for post in posts
    ]
    assert statuses == [302, 302, 429]
    assert Report.objects.count() == 2
