from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import include, path

from forum.permissions import require_second_factor
from forum.sitemaps import SITEMAPS


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
admin_has_permission = admin.site.has_permission


def admin_permission(request) -> bool:
    """The admin's own check, after refusing (403) staff without a second factor."""
    require_second_factor(request.user)
    return admin_has_permission(request)


admin.site.has_permission = admin_permission

urlpatterns = [
    path(
        "sitemap.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
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
