from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import ImproperlyConfigured


def check_base_url(value: str) -> None:
    """Refuse to start without the site's public address: links in emails (sent by
    the worker, which has no request to take the host from) are made from it."""
    if not value:
        raise ImproperlyConfigured(
            "FORUM_BASE_URL is not set: give the site's public address, e.g. "
            "FORUM_BASE_URL=https://forum.example.org (links in emails use it)."
        )
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(
            f"FORUM_BASE_URL must be an absolute http:// or https:// address, "
            f"such as https://forum.example.org; it is {value!r}."
        )


class ForumAdminConfig(AdminConfig):
    """The admin, and the project's start-up checks: this app is the project's
    own, loaded by every process (app servers, the worker, commands)."""

    default_site = "config.admin_site.ForumAdminSite"

    def ready(self):
        super().ready()
        check_base_url(settings.FORUM_BASE_URL)
