"""The reader's own language and time zone for every page.

UserPreferencesMiddleware sits after authentication (and LocaleMiddleware, which
has chosen from the language cookie or the browser's Accept-Language by then): a
user's saved language wins over both, and their time zone is used for every time
shown.
Signed-out readers keep the browser's language and the site's TIME_ZONE.
"""

import zoneinfo

from django.utils import timezone, translation


def user_time_zone(user) -> zoneinfo.ZoneInfo | None:
    """The user's time zone, or None if unset or unknown on this system."""
    name = getattr(user, "time_zone", "") or ""
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def user_language(user) -> str | None:
    """The user's saved language if it is one the site offers, else None."""
    code = getattr(user, "language", "") or ""
    return code if code and translation.check_for_language(code) else None


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            timezone.deactivate()
            return self.get_response(request)
        language = user_language(user)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = user_time_zone(user)
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
