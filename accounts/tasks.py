"""Account mail (verification, password reset, address change, notices) that
the mail server refused: sent again by the worker (`python manage.py
db_worker`), later each time, until it goes or RETRY_DELAYS runs out."""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .mail import message_data, message_from_data

try:  # Django 6 has the task framework built in; 5.2 has its backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task

logger = logging.getLogger(__name__)

# Seconds before each new attempt: the mail should arrive within minutes of the
# server coming back, and attempts stop after about two hours and a quarter.
RETRY_DELAYS = [30, 60, 120, 300, 600, 1200, 2400, 3600]


def send_now_or_later(message: EmailMessage, *, attempt: int = 0) -> bool:
    """Send a message; if the mail server cannot be reached or refuses it,
    log that and queue another attempt (attempt counts the ones made before
    this). Return whether it went now."""
    try:
        message.send()
    except OSError as error:  # refused connections, timeouts, SMTP errors
        if attempt >= len(RETRY_DELAYS):
            logger.error(
                "Gave up sending %r to %s after %s attempts: %s",
                message.subject,
                ", ".join(message.to),
                attempt + 1,
                error,
            )
            return False
        logger.warning(
            "Could not send %r to %s (attempt %s), trying again in %s s: %s",
            message.subject,
            ", ".join(message.to),
            attempt + 1,
            RETRY_DELAYS[attempt],
            error,
        )
        data = message_data(message)
        transaction.on_commit(lambda: _queue(data, attempt=attempt + 1))
        return False
    return True


def _queue(data: dict, *, attempt: int) -> None:
    retry = send_mail_later
    if retry.get_backend().supports_defer:
        delay = timedelta(seconds=RETRY_DELAYS[attempt - 1])
        retry = retry.using(run_after=timezone.now() + delay)
    retry.enqueue(message=data, attempt=attempt)


@task()
def send_mail_later(message: dict, attempt: int) -> bool:
    """Another attempt at a message that could not be sent (see
    send_now_or_later); return whether it went."""
    return send_now_or_later(message_from_data(message), attempt=attempt)
