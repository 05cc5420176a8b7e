from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import include, path, register_converter

from forum.ratelimit import limit_posts_per_client
from forum.sitemaps import SITEMAPS

from . import health
from .converters import IdConverter, UsernameConverter

# Before the apps' URL confs below are read: they use these.
register_converter(IdConverter, "id")
register_converter(UsernameConverter, "username")


def robots_txt(request):
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = [
        "User-agent: *",
        "Disallow: /accounts/",
        "Disallow: /moderation/",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /t/*/reply/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


# The admin signs in through the site's login, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # For the proxy and monitors (docs/operations.md, "Health").
    path("healthz", health.healthz, name="healthz"),
    # An index of sitemap pages: past TopicSitemap.limit topics a section has
    # further pages (?p=2, ...), each listed in the index so crawlers reach them.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    # allauth counts sign-ups per minute; the site counts them per hour too.
    path(
        "accounts/signup/",
        limit_posts_per_client(
            name="signup-hour", limit_setting="FORUM_SIGNUPS_PER_HOUR", window=3600
        )(account_views.signup),
        name="account_signup",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("facilitation.urls")),
    path("moderation/", include("moderation.urls")),
    path("", include("notifications.urls")),
    path("", include("forum.urls")),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
# Not one of Django's handlers: allauth answers its 429s through it.
handler429 = "config.errors.too_many_requests"
