"""Rate limits, spam control and no account enumeration."""

import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import User
from forum.models import Post, Topic
from moderation.models import Report
from tests.factories import ReplyFactory, UserFactory
from tests.helpers import html, text

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


def signup(client, n: int, meta: dict | None = None, **extra):
    """Sign up newcomer<n>; meta: request headers and REMOTE_ADDR."""
    return client.post(
        "/accounts/signup/",
        {
            "username": f"newcomer{n}",
            "email": f"newcomer{n}@example.org",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            **extra,
        },
        **(meta or {}),
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


def reply(client, topic, body):
    return client.post(f"/t/{topic.pk}/reply/", {"body": body, "post": "1"})


def test_new_accounts_post_slowly(strict_posting, member_client, topic, stopped_clock):
    """A new account's third reply in a minute answers 429: the reply form again,
    the text kept in it, saying when posting is possible, and Retry-After."""
    statuses = [reply(member_client, topic, f"Message {n}").status_code for n in (1, 2)]
    assert statuses == [302, 302]
    stopped_clock.advance(20)
    page = reply(member_client, topic, "Keep <these> words")
    assert page.status_code == 429
    assert page["Retry-After"] == "40"
    assert ">\nKeep &lt;these&gt; words</textarea>" in html(page)
    assert 'name="body"' in html(page)
    assert "You are posting too fast. You can post again in 40 seconds." in text(page)
    assert Post.objects.filter(topic=topic).count() == 3


def test_the_posting_limit_says_when_in_french(
    strict_posting, member_client, topic, stopped_clock
):
    for n in (1, 2):
        reply(member_client, topic, f"Message {n}")
    stopped_clock.advance(59)
    with translation.override("fr"):
        page = member_client.post(
            f"/t/{topic.pk}/reply/",
            {"body": "Encore", "post": "1"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert page.status_code == 429
    assert "Vous pourrez publier de nouveau dans 1 seconde." in text(page)


def test_retrying_a_refused_post_does_not_extend_the_wait(
    strict_posting, member_client, topic, stopped_clock
):
    """A minute after the first reply, posting works again however often the
    writer retried meanwhile; each refusal names the time still left."""
    for n in (1, 2):
        reply(member_client, topic, f"Message {n}")
    waits = []
    for _ in range(11):
        stopped_clock.advance(5)
        waits.append(reply(member_client, topic, "Again")["Retry-After"])
    assert waits == [str(s) for s in range(55, 0, -5)][:11]
    stopped_clock.advance(5)
    assert reply(member_client, topic, "At last").status_code == 302


def test_a_refused_new_topic_keeps_title_and_text(
    strict_posting, member_client, category, stopped_clock
):
    url = f"/c/{category.slug}/new/"
    for n in (1, 2):
        reply(member_client, ReplyFactory().topic, f"Message {n}")
    page = member_client.post(
        url, {"title": "A question of trust", "body": "Typed with care."}
    )
    assert page.status_code == 429
    assert page["Retry-After"] == "60"
    assert 'value="A question of trust"' in html(page)
    assert ">\nTyped with care.</textarea>" in html(page)
    assert "You can post again in 60 seconds." in text(page)
    assert not Topic.objects.filter(title="A question of trust").exists()


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


def test_reports_are_limited(settings, member_client, topic, stopped_clock):
    """Reporting is limited per hour; a refused report keeps its text and says
    when reporting is possible again."""
    settings.FORUM_REPORTS_PER_HOUR = 2
    posts = [ReplyFactory(topic=topic) for _ in range(3)]
    responses = []
    for post in posts:
        responses.append(
            member_client.post(
                f"/moderation/p/{post.pk}/report/",
                {"reason": "spam", "text": "Selling watches"},
            )
        )
        stopped_clock.advance(60)
    assert [r.status_code for r in responses] == [302, 302, 429]
    assert responses[2]["Retry-After"] == "3480"
    assert "You can report again in 58 minutes." in text(responses[2])
    assert ">\nSelling watches</textarea>" in html(responses[2])
    assert Report.objects.count() == 2


class WallClock:
    """time.time (allauth's clock) stopped, moved on only by advance()."""

    def __init__(self):
        self.now = time.time()

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def wall_clock():
    stopped = WallClock()
    with mock.patch("time.time", lambda: stopped.now):
        yield stopped


def test_allauth_refusals_tell_when_to_retry(client, wall_clock):
    """allauth sends no Retry-After; its 429 page here does, and it is never too
    short: the sign-up page's limit is 5 a minute, so a sign-up refused 20
    seconds into the minute waits at most 60, and then goes through."""
    assert [signup(client, n).status_code for n in range(5)] == [302] * 5
    client.logout()
    wall_clock.advance(20)
    refused = signup(client, 5)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "You can try again in 60 seconds." in text(refused)
    wall_clock.advance(60)
    assert signup(client, 6).status_code == 302


def test_signups_per_hour_are_counted_by_the_site(client, settings, wall_clock):
    """Past the hour's sign-ups from one address, the wait is exact: what is
    left of the hour since the first."""
    settings.FORUM_SIGNUPS_PER_HOUR = 3
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": False}
    with mock.patch("django.utils.timezone.now", lambda: datetime_at(wall_clock)):
        for n in range(3):
            assert signup(client, n).status_code == 302
            client.logout()
            wall_clock.advance(600)
        refused = signup(client, 3)
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(3600 - 1800)
        wall_clock.advance(1800)
        assert signup(client, 4).status_code == 302


def datetime_at(wall_clock) -> datetime:
    return datetime.fromtimestamp(wall_clock.now, tz=UTC)


def test_allauth_refusals_by_address_key_tell_when_to_retry(client, user, wall_clock):
    """The reset form's limit per typed address (3 a minute): at most a minute."""
    for _ in range(3):
        client.post("/accounts/password/reset/", {"email": user.email})
        wall_clock.advance(10)
    refused = client.post("/accounts/password/reset/", {"email": user.email.upper()})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"


def test_unknown_account_notices_are_limited_per_address(client, settings):
    """Anyone can type a stranger's address into the reset form: the stranger gets
    one "no account here" mail an hour, whatever the address typed from, while the
    page answers the same."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "100/m/ip,100/m/key",
    }
    answers = [
        client.post(
            "/accounts/password/reset/",
            {"email": "stranger@example.org"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        for n in range(4)
    ]
    assert {a.status_code for a in answers} == {302}
    assert [m.to for m in mail.outbox] == [["stranger@example.org"]]
    client.post("/accounts/password/reset/", {"email": "other@example.org"})
    assert len(mail.outbox) == 2


def test_reset_mails_to_real_accounts_are_not_held_back(client, user, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "reset_password": "100/m/ip,100/m/key",
    }
    for _ in range(3):
        client.post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 3


# The client's address behind proxies

SEARCH = "/search/"


def searches(client, count: int, **headers) -> list[int]:
    return [
        client.get(SEARCH, {"q": f"words {n}"}, **headers).status_code
        for n in range(count)
    ]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, settings):
    """With no proxy configured, a client sending a new X-Forwarded-For with each
    request is still one address to the limits, the site's and allauth's."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    statuses = [
        client.get(
            SEARCH, {"q": "words"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(21)
    ]
    assert statuses == [200] * 20 + [429]
    signups = [
        signup(client, n, {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}).status_code
        for n in range(6)
    ]
    assert signups[5] == 429


def test_behind_one_proxy_each_client_has_its_own_limit(client, settings):
    """Behind one proxy (REMOTE_ADDR is the proxy), the client is the address the
    proxy appended; what the client put in front of it does not count."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(21):
        spoofed = f"192.0.2.{n}, 203.0.113.7"
        status = client.get(
            SEARCH, {"q": "words"}, HTTP_X_FORWARDED_FOR=spoofed, **proxy
        ).status_code
        assert status == (200 if n < 20 else 429)
    other = searches(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert other == [200]
    signups = [
        signup(
            client, n, {"HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, 203.0.113.9", **proxy}
        ).status_code
        for n in range(6)
    ]
    assert signups[5] == 429
    client.logout()
    fresh = signup(client, 6, {"HTTP_X_FORWARDED_FOR": "203.0.113.10", **proxy})
    assert fresh.status_code == 302


def test_behind_two_proxies_the_second_address_from_the_right_is_the_client(
    client, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(20):
        chain = f"192.0.2.{n}, 203.0.113.7, 10.0.0.2"
        searches(client, 1, HTTP_X_FORWARDED_FOR=chain, **proxy)
    assert searches(
        client, 1, HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.3", **proxy
    ) == [429]
    assert searches(
        client, 1, HTTP_X_FORWARDED_FOR="203.0.113.7, 203.0.113.6, 10.0.0.3", **proxy
    ) == [200]


def test_a_request_that_bypassed_a_trusted_proxy_is_refused_clearly(client, settings):
    """With two trusted proxies, a request carrying one address came around one
    of them: no address in it can be trusted, and the answer is a 403, not a
    server error, for the site's limits and for allauth's."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    short = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    page = client.get(SEARCH, {"q": "words"}, **short)
    assert page.status_code == 403
    assert "did not come through the site" in text(page)
    assert signup(client, 1, short).status_code == 403
    assert not User.objects.filter(username="newcomer1").exists()
