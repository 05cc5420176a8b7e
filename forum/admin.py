from django.contrib import admin, messages

from . import services, versions
from .models import Category, Post, Topic


def _moderation():
    # Imported when used: moderation builds on the forum, not the other way round.
    from moderation import services as moderation_services

    return moderation_services


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
    actions = ["lock", "unlock", "pin", "unpin"]

    def has_add_permission(self, request):
        # Topics are started on the site, which creates the opening post with them.
        return False

    def save_model(self, request, obj, form, change):
        _moderation().rename_topic(
            topic=obj, actor=request.user, title=form.cleaned_data["title"]
        )

    def _toggle(self, request, queryset, action, label, **kwargs):
        # Through the moderation services, so each change is in the audit log.
        service = getattr(_moderation(), action)
        changed = sum(
            service(topic=topic, actor=request.user, **kwargs) for topic in queryset
        )
        self.message_user(request, f"{changed} topic(s) {label}.", messages.SUCCESS)

    @admin.action(description="Lock selected topics")
    def lock(self, request, queryset):
        self._toggle(request, queryset, "lock_topic", "locked")

    @admin.action(description="Unlock selected topics")
    def unlock(self, request, queryset):
        self._toggle(request, queryset, "unlock_topic", "unlocked")

    @admin.action(description="Pin selected topics")
    def pin(self, request, queryset):
        self._toggle(request, queryset, "pin_topic", "pinned", pinned=True)

    @admin.action(description="Unpin selected topics")
    def unpin(self, request, queryset):
        self._toggle(request, queryset, "pin_topic", "unpinned", pinned=False)


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
