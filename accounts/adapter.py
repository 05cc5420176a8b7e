from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.utils.translation import gettext_lazy as _

from .mail import header_text
from .tasks import send_now_or_later

# allauth's "Confirmation email sent to ..." would contradict MAIL_DELAYED.
SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"
MAIL_DELAYED = _(
    "We could not send the email yet; we will keep trying. It should arrive "
    "within minutes."
)


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mail, safe in its headers and never lost to a mail server
    that is down: what cannot be sent at once is queued for the worker, and
    the person is told."""

    def format_email_subject(self, subject: str) -> str:
        return header_text(super().format_email_subject(subject))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                **context,
            },
        )
        if not send_now_or_later(message) and request is not None:
            request.account_mail_delayed = True
            messages.warning(request, MAIL_DELAYED)

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template == SENT_MESSAGE and getattr(
            request, "account_mail_delayed", False
        ):
            return
        super().add_message(request, level, message_template, *args, **kwargs)
