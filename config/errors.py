"""Styled error pages. A request body over the size limit answers 413; a method
an address does not take answers 405 with a page that says so."""

import math
import time

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
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


# The allauth limits behind each of its pages that can answer 429, and the form
# field its per-key limits count by.
ALLAUTH_LIMITED_PAGES = {
    "account_login": ("login", None),
    "account_signup": ("signup", None),
    "account_reset_password": ("reset_password", "email"),
    "account_reset_password_from_key": ("reset_password_from_key", None),
    "account_change_password": ("change_password", None),
    "account_set_password": ("change_password", None),
    "account_email": ("manage_email", None),
    "account_reauthenticate": ("reauthenticate", None),
}


def too_many_requests(request):
    """allauth's 429 (it calls the URLconf's handler429), with the Retry-After
    that allauth does not send."""
    return ratelimit.refusal_page(
        request, ratelimit.Decision(False, allauth_retry_after(request))
    )


def allauth_retry_after(request) -> int:
    """Seconds until allauth's limits for this page let the next attempt through:
    each of its sliding windows frees a place when the oldest hit it counts
    leaves it."""
    match = request.resolver_match
    action, key_field = ALLAUTH_LIMITED_PAGES.get(
        match.url_name if match else "", ("", None)
    )
    key = request.POST.get(key_field, "").lower() if key_field else None
    user = request.user if request.user.is_authenticated else None
    now = time.time()
    wait = 0.0
    for rate in allauth_ratelimit.get_rates(app="allauth.account", action=action):
        if (rate.per == "key" and not key) or (rate.per == "user" and not user):
            continue
        cache_key = allauth_ratelimit.get_cache_key(
            request, app="allauth.account", action=action, rate=rate, key=key, user=user
        )
        hits = [t for t in cache.get(cache_key, []) if t > now - rate.duration]
        if len(hits) >= rate.amount:
            oldest_counted = sorted(hits, reverse=True)[rate.amount - 1]
            wait = max(wait, oldest_counted + rate.duration - now)
    return max(1, math.ceil(wait))


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
