from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .mail import header_text
from .tasks import send_now_or_later

# allauth's "Confirmation email sent to ..." would contradict MAIL_DELAYED.
SENT_MESSAGE = "account/messages/email_confirmation_sent.txt"
MAIL_DELAYED = _(
    "We could not send the email yet; we will keep trying. It should arrive "
    "within minutes."
)
# Sent to an address typed into the password-reset (or sign-in by code) form
# when no account uses it.
UNKNOWN_ACCOUNT_MAIL = "account/email/unknown_account"


class AccountAdapter(DefaultAccountAdapter):
    """allauth's mail, safe in its headers and never lost to a mail server
    that is down: what cannot be sent at once is queued for the worker, and
    the person is told."""

    def format_email_subject(self, subject: str) -> str:
        return header_text(super().format_email_subject(subject))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        # Anyone may type any address: without a limit per address, the form would
        # mail a stranger as often as someone likes. Skipped silently, as the page
        # must answer the same whether or not the address has an account.
        if (
            template_prefix == UNKNOWN_ACCOUNT_MAIL
            and request is not None
            and not ratelimit.consume(
                request, action="unknown_account_mail", key=email.lower()
            )
        ):
            return
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

    def save_user(self, request, user, form, commit=True):
        """A new account starts in the browser's time zone (checked by the
        sign-up form), so its first deadlines read in local time."""
        user.time_zone = form.cleaned_data.get("browser_time_zone") or "UTC"
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request) -> str:
        """A facilitator's day starts at their queue; everyone else's at the
        index. A `next` address still wins (allauth asks here only without one)."""
        if request.user.is_facilitator:
            # By URL name: the queue belongs to a higher app, which accounts
            # must not import.
            return reverse("moderation:dashboard")
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured as error:
            # Fewer X-Forwarded-For addresses than ALLAUTH_TRUSTED_PROXY_COUNT: the
            # request did not come through the site's proxies, so no address in it
            # can be trusted. A clear refusal, not a server error.
            raise PermissionDenied(
                _("This request did not come through the site's proxy.")
            ) from error
