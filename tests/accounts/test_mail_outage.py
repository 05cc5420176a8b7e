"""A mail server that is down never breaks sign-up or a password reset: the
account is made, the person is told the email will follow, and the worker
sends it once the server answers again."""

import logging
import re
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.adapter import MAIL_DELAYED
from accounts.models import User
from accounts.tasks import RETRY_DELAYS, send_mail_later
from tests.factories import UserFactory
from tests.notifications.test_emails import Sink, _free_port

SIGNUP = "/accounts/signup/"
RESET = "/accounts/password/reset/"
PASSWORD = "correct-horse-battery"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every connection; counts the attempts."""

    attempts = 0

    def send_messages(self, email_messages):
        RefusingBackend.attempts += 1
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    RefusingBackend.attempts = 0


@pytest.fixture
def closed_port():
    """SMTP settings pointing at a local port where no server listens."""
    port = _free_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
    ):
        yield port


def sign_up(client, username="amara"):
    return client.post(
        SIGNUP,
        {
            "username": username,
            "email": f"{username}@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        follow=True,
    )


def told_of_delay(response) -> bool:
    return str(MAIL_DELAYED) in response.content.decode()


def test_sign_up_succeeds_with_the_mail_server_down(client, closed_port):
    """The account and its address exist, the page says the email will follow."""
    response = sign_up(client)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/confirm-email/"
    assert told_of_delay(response)
    assert "Confirmation email sent" not in response.content.decode()
    user = User.objects.get(username="amara")
    assert EmailAddress.objects.get(user=user, verified=False)


@override_settings(EMAIL_BACKEND="tests.accounts.test_mail_outage.RefusingBackend")
def test_each_failed_attempt_is_logged_and_the_attempts_are_bounded(
    client, caplog, django_capture_on_commit_callbacks
):
    """Tasks run at once in the tests: every retry fails here, each is
    logged, and the last gives up."""
    with (
        caplog.at_level(logging.WARNING, logger="accounts.tasks"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = sign_up(client)

    assert told_of_delay(response)
    assert RefusingBackend.attempts == len(RETRY_DELAYS) + 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(warnings) == len(RETRY_DELAYS)
    assert len(errors) == 1
    assert "Gave up" in errors[0].getMessage()


@override_settings(EMAIL_BACKEND="tests.accounts.test_mail_outage.RefusingBackend")
def test_password_reset_succeeds_with_the_mail_server_down(client):
    user = UserFactory()

    response = client.post(RESET, {"email": user.email}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert told_of_delay(response)


def test_mail_that_goes_at_once_says_nothing_of_delay(client):
    response = sign_up(client)

    assert not told_of_delay(response)
    assert "Confirmation email sent to amara@example.org" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["amara@example.org"]]


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_mail_once_the_server_is_back(client, closed_port):
    """Queued in the database with a delay, the mail goes when the worker runs
    after the server comes back, and its link verifies the address."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ):
        before = timezone.now()
        sign_up(client)
        [queued] = DBTaskResult.objects.filter(task_path=send_mail_later.module_path)
        assert queued.run_after >= before + timedelta(seconds=RETRY_DELAYS[0])
        assert queued.status == "READY"

        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=closed_port)
        controller.start()
        try:
            DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now())
            call_command("db_worker", batch=True, no_startup_delay=True)
        finally:
            controller.stop()

    assert DBTaskResult.objects.get(pk=queued.pk).status == "SUCCESSFUL"
    [envelope] = sink.messages
    assert envelope.rcpt_tos == ["amara@example.org"]
    link = CONFIRM_LINK.search(envelope.content.decode()).group(1)
    client.post(link)
    assert EmailAddress.objects.get(email="amara@example.org").verified


@override_settings(EMAIL_BACKEND="tests.accounts.test_mail_outage.RefusingBackend")
def test_a_new_address_is_kept_with_the_mail_server_down(member_client, user):
    response = member_client.post(
        "/accounts/email/",
        {"email": "rosa.new@example.org", "action_add": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert told_of_delay(response)
    assert EmailAddress.objects.get(user=user, email="rosa.new@example.org")


@override_settings(EMAIL_BACKEND="tests.accounts.test_mail_outage.RefusingBackend")
def test_the_unknown_account_notice_does_not_break_a_reset(client):
    response = client.post(RESET, {"email": "nobody@example.org"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert RefusingBackend.attempts == 1
