"""The site's allauth adapter (ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import ratelimit
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext as _

# Sent to an address typed into the password-reset (or sign-in by code) form
# when no account uses it.
UNKNOWN_ACCOUNT_MAIL = "account/email/unknown_account"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Anyone may type any address: without a limit per address, the form would
        # mail a stranger as often as someone likes. Skipped silently, as the page
        # must answer the same whether or not the address has an account.
        if template_prefix == UNKNOWN_ACCOUNT_MAIL and not ratelimit.consume(
            context["request"], action="unknown_account_mail", key=email.lower()
        ):
            return
        super().send_mail(template_prefix, email, context)

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
