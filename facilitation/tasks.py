"""Background work of facilitation: invitation emails. A worker runs them
(`python manage.py db_worker`); tests run them at once."""

import secrets

from django.db import transaction
from django.db.models import F

from accounts.tasks import send_now_or_later

from .emails import invitation_message
from .models import Invitation, hash_token

try:  # Django 6 has the task framework built in; 5.2 has its backport.
    from django.tasks import task
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task


@task()
def send_invitation(invitation_id: int, reminder: bool = False) -> bool:
    """Mail an invitation not yet accepted (its reminder, if reminder) with a
    new link; return whether it went now (else it is queued again, as account
    mail is). The link's token is minted here, in the worker, and kept only as
    its hash: a task's arguments stay in the database until pruned, and the
    token in them would be a working link."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(pk=invitation_id, accepted_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        # The previous email's link keeps working beside the new one.
        Invitation.objects.filter(pk=invitation.pk).update(
            previous_token_hash=F("token_hash"), token_hash=hash_token(token)
        )
    invitation = Invitation.objects.select_related(
        "category", "topic", "invited_user"
    ).get(pk=invitation_id)
    return send_now_or_later(
        invitation_message(invitation=invitation, token=token, reminder=reminder)
    )
