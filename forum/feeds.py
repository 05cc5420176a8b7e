"""Atom and RSS feeds: latest topics (forum, category) and a topic's posts.

Feed readers are not signed in, so feeds carry only what a visitor may see.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import Post, Topic

ITEMS = 30


def _visitor():
    return AnonymousUser()


class LatestTopicsRss(Feed):
    title = _("Dialogue Forum: latest topics")
    description = _("Topics with the latest activity.")

    def link(self):
        return reverse("forum:index")

    def topics(self):
        return (
            Topic.objects.filter(
                permissions.visible_categories(_visitor(), "category__")
            )
            .select_related("category", "first_post")
            .order_by("-last_post_at", "-pk")
        )

    def items(self):
        return self.topics()[:ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        post = item.first_post
        if post is None or post.is_hidden:
            return ""
        return post.body_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_author_name(self, item):
        return item.author_name

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.last_post_at

    def item_categories(self, item):
        return [item.category.name]


class LatestTopicsAtom(LatestTopicsRss):
    feed_type = Atom1Feed
    subtitle = LatestTopicsRss.description


class CategoryTopicsRss(LatestTopicsRss):
    def get_object(self, request, slug):
        return permissions.get_category_for(_visitor(), slug=slug)

    def title(self, obj):
        return gettext("Dialogue Forum: %(name)s") % {"name": obj.name}

    def description(self, obj):
        return obj.description or gettext("Latest topics in %(name)s.") % {
            "name": obj.name
        }

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return self.topics().filter(category=obj)[:ITEMS]


class CategoryTopicsAtom(CategoryTopicsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class TopicPostsRss(Feed):
    def get_object(self, request, pk):
        return permissions.get_topic_for(_visitor(), pk=pk)

    def title(self, obj):
        return gettext("Dialogue Forum: %(name)s") % {"name": obj.title}

    def description(self, obj):
        return gettext("Posts in “%(title)s”.") % {"title": obj.title}

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return (
            Post.objects.filter(
                topic=obj, status=Post.Status.PUBLISHED, is_hidden=False
            )
            .only(
                "id",
                "subject",
                "body",
                "body_html",
                "author_name",
                "created_at",
                "edited_at",
                "parent_id",
                "topic_id",
            )
            .order_by("-position")[:ITEMS]
        )

    def item_title(self, item):
        return item.display_subject

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_author_name(self, item):
        return item.author_name

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.edited_at or item.created_at


class TopicPostsAtom(TopicPostsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)
