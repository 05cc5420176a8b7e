"""Composing and sending notification mail: the recipient's language and time
zone, unsubscribe links that work signed out, one message per call."""

from contextlib import contextmanager

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.mail import header_text
from accounts.middleware import user_language, user_time_zone
from accounts.models import User
from forum.models import Post

from .models import DIGEST, EMAIL_FIELDS

# Named for the module that first signed these links, so links already sent
# keep working.
UNSUBSCRIBE_SALT = "forum.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 60 * 24 * 3600

EMAIL_LABELS = {
    "email_follow_up": _("follow-up questions from facilitators"),
    "email_mention": _("mentions of you"),
    "email_quote": _("quotes of your posts"),
    "email_reply": _("replies to your posts"),
    "email_watched": _("new posts in what you watch"),
    "email_moderation": _("what became of your posts and reports"),
    DIGEST: _("the daily digest"),
}


def absolute(path: str) -> str:
    """The full address of a path on this site, for mail."""
    return settings.FORUM_BASE_URL.rstrip("/") + path


def reply_url(post: Post) -> str:
    """Where to reply under a post, as a full address; empty once its topic is
    locked, as the reply form would only send the reader back to the topic."""
    if post.topic.phase == "locked":
        return ""
    return absolute(reverse("forum:reply", args=[post.topic_id]) + f"?parent={post.pk}")


def unsubscribe_token(*, user: User, what: str) -> str:
    """A signed token that turns off one kind of email (an email_* field) or the
    digest, for whoever holds it, signed in or not."""
    return signing.dumps({"u": user.pk, "w": what}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The user and email choice a token names; None if tampered, expired or
    stale."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    what = data.get("w")
    if what != DIGEST and what not in EMAIL_FIELDS.values():
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    return (user, what) if user else None


def unsubscribe_url(*, user: User, what: str) -> str:
    """The full address of the unsubscribe page for one kind of email."""
    token = unsubscribe_token(user=user, what=what)
    return absolute(reverse("notifications:unsubscribe", args=[token]))


@contextmanager
def recipient_locale(user: User):
    """Render for this recipient: their language (else the site's) and their
    time zone (else the site's TIME_ZONE)."""
    language = user_language(user) or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user_time_zone(user)):
        yield


def send_email(
    *, user: User, subject: str, template: str, context: dict, what: str
) -> None:
    """Send one message rendered from templates/notifications/email/<template>,
    with a one-click unsubscribe from `what`. Call inside recipient_locale."""
    link = unsubscribe_url(user=user, what=what)
    context = {**context, "user": user, "unsubscribe_url": link}
    context["unsubscribe_label"] = EMAIL_LABELS[what]
    context["settings_url"] = absolute(reverse("notifications:settings"))
    message = EmailMultiAlternatives(
        # The subject holds names and titles that users typed.
        subject=header_text(subject),
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context),
        "text/html",
    )
    message.send()
