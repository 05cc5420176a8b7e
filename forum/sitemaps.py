from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap

from . import permissions
from .models import Category, Topic


class CategorySitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Category.objects.filter(
            permissions.visible_categories(AnonymousUser())
        ).order_by("pk")

    def lastmod(self, item):
        return item.last_post_at


class TopicSitemap(Sitemap):
    changefreq = "weekly"
    limit = 10_000

    def items(self):
        return (
            Topic.objects.filter(
                permissions.visible_categories(AnonymousUser(), "category__")
            )
            .only("id", "last_post_at")
            .order_by("pk")
        )

    def lastmod(self, item):
        return item.last_post_at


SITEMAPS = {"categories": CategorySitemap, "topics": TopicSitemap}
