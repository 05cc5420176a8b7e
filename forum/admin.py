from django.contrib import admin

from . import services, signals, versions
from .models import Category, Post, Topic


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "visibility",
        "approval_threshold",
        "position",
        "topic_count",
        "post_count",
    ]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["topic_count", "post_count", "last_post_at"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A category's name and visibility show on the index and its topics' pages.
        versions.bump_site()
        if change and "visibility" in form.changed_data:
            signals.category_visibility_changed.send(sender=Category, category=obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        versions.bump_site()


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "category",
        "author_name",
        "post_count",
        "is_locked",
        "is_pinned",
        "last_post_at",
    ]
    list_filter = ["category", "is_locked", "is_pinned"]
    search_fields = ["title", "author_name"]
    readonly_fields = [
        "author",
        "author_name",
        "category",
        "post_count",
        "is_locked",
        "is_pinned",
        "last_post_at",
    ]
    fields = [
        "title",
        "category",
        "author",
        "author_name",
        "post_count",
        "is_locked",
        "is_pinned",
        "last_post_at",
    ]

    def has_add_permission(self, request):
        # Topics are started on the site, which creates the opening post with them.
        return False

    def save_model(self, request, obj, form, change):
        # Moderation's admin replaces this one with an audited rename and the
        # lock and pin actions.
        services.rename_topic(topic=obj, title=form.cleaned_data["title"])


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "topic", "author_name", "created_at", "edited_at"]
    search_fields = ["body", "subject", "author_name"]
    list_select_related = ["topic"]
    raw_id_fields = ["topic", "author", "parent", "quoting"]
    fields = [
        "topic",
        "author",
        "author_name",
        "parent",
        "quoting",
        "position",
        "subject",
        "body",
        "created_at",
        "edited_at",
    ]
    readonly_fields = [
        "topic",
        "author",
        "author_name",
        "parent",
        "quoting",
        "position",
        "created_at",
        "edited_at",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Admin edits go through the same service, so the HTML is re-rendered;
        # the admin may edit even in locked topics.
        services.edit_post(
            post=obj,
            editor=request.user,
            body=form.cleaned_data["body"],
            subject=form.cleaned_data["subject"],
            force=True,
        )
