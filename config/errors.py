"""Styled error pages. A request body over the size limit answers 413; a method
an address does not take answers 405 with a page that says so."""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from forum import ratelimit
from forum.exceptions import SecondFactorRequired


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return render(request, "413.html", status=413)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    context = {
        "message": message,
        "second_factor": isinstance(exception, SecondFactorRequired),
    }
    return render(request, "403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # A self-contained page: rendering must not need the database, which may be
    # what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


# The allauth limits behind each of its pages that can answer 429 (settings'
# ACCOUNT_RATE_LIMITS), and the form field its per-key limits count by.
ALLAUTH_LIMITED_PAGES = {
    "account_login": (("login", "login_failed"), "login"),
    "account_signup": (("signup",), None),
    "account_reset_password": (("reset_password",), "email"),
    "account_reset_password_from_key": (("reset_password_from_key",), None),
    "account_change_password": (("change_password",), None),
    "account_set_password": (("change_password",), None),
    "account_email": (("manage_email",), None),
    "account_reauthenticate": (("reauthenticate",), None),
}
DURATION = re.compile(r"(\d*)([smhd])")
SECONDS_PER = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def too_many_requests(request):
    """allauth's 429 (it calls the URLconf's handler429), with the Retry-After
    that allauth does not send."""
    return ratelimit.refusal_page(
        request, ratelimit.Decision(False, allauth_retry_after(request))
    )


def allauth_retry_after(request) -> int:
    """Seconds after which allauth's limits for this page surely let the next
    attempt through: the longest window among the limits that could have refused
    it. allauth counts in sliding windows and does not say how full they are, so
    this is the one wait that is never too short; each page has limits of about
    the same window (sign-ups per hour are counted by the site's own limiter,
    config.urls), so it is not much too long either."""
    match = request.resolver_match
    actions, key_field = ALLAUTH_LIMITED_PAGES.get(
        match.url_name if match else "", ((), None)
    )
    wait = 60
    for action in actions:
        for rate in (settings.ACCOUNT_RATE_LIMITS.get(action) or "").split(","):
            amount_window_per = rate.strip().split("/")
            if len(amount_window_per) != 3:
                continue
            _, window, per = amount_window_per
            if per == "key" and not (key_field and request.POST.get(key_field)):
                continue
            if per == "user" and not request.user.is_authenticated:
                continue
            found = DURATION.fullmatch(window)
            if found:
                wait = max(wait, int(found[1] or 1) * SECONDS_PER[found[2]])
    return wait


class MethodNotAllowedPageMiddleware:
    """Django's require_POST and friends answer 405 with an empty body: give it
    the styled page, keeping the Allow header that names the methods taken."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
