"""Composing invitation mail: in the invitee's language and time zone, with
the link, who invites them, to what, and until when."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.mail import header_text
from accounts.middleware import user_time_zone

from .models import Invitation


def absolute(path: str) -> str:
    """The full address of a path on this site: mail is composed by the worker,
    with no request to take the host from."""
    return settings.FORUM_BASE_URL.rstrip("/") + path


def invitation_url(token: str) -> str:
    return absolute(reverse("facilitation:invitation", args=[token]))


def invitation_message(
    *, invitation: Invitation, token: str, reminder: bool
) -> EmailMultiAlternatives:
    """The invitation's email (or its reminder), carrying the link of token."""
    zone = user_time_zone(invitation.invited_user) or settings.TIME_ZONE
    with translation.override(invitation.language), timezone.override(zone):
        topic = invitation.topic
        title = topic.title if topic is not None else invitation.category.name
        names = {"name": invitation.invited_by_name, "title": title}
        if reminder:
            subject = _("Reminder: %(name)s invites you to “%(title)s”") % names
        else:
            subject = _("%(name)s invites you to “%(title)s”") % names
        context = {
            "invitation": invitation,
            "reminder": reminder,
            "subject": subject,
            "title": title,
            "is_dialogue": topic is not None,
            "link": invitation_url(token),
        }
        message = EmailMultiAlternatives(
            # Names and titles that users typed.
            subject=header_text(subject),
            body=render_to_string("facilitation/email/invitation.txt", context),
            to=[invitation.email],
        )
        message.attach_alternative(
            render_to_string("facilitation/email/invitation.html", context),
            "text/html",
        )
    return message
