from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from forum.admin import TopicAdmin
from forum.models import Topic

from . import services
from .models import AuditEntry, Facilitator, Member, Report
from .permissions import OWN_ACCOUNT, may_act_on


@admin.register(Facilitator)
class FacilitatorAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "appointed_at"]
    list_filter = ["category"]
    autocomplete_fields = ["user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        actor = request.user

        class NotOneself(form):
            def clean_user(self):
                user = self.cleaned_data["user"]
                if not may_act_on(actor, user):
                    raise ValidationError(OWN_ACCOUNT)
                return user

        return NotOneself

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not may_act_on(request.user, obj.user):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Through the service: the audit entry, the user's flag and the cache.
        services.appoint_facilitator(
            user=obj.user, category=obj.category, actor=request.user
        )

    def delete_model(self, request, obj):
        services.remove_facilitator(
            user=obj.user, category=obj.category, actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user", "category"):
            self.delete_model(request, obj)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "added_at"]
    list_filter = ["category"]
    autocomplete_fields = ["user"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.add_member(user=obj.user, category=obj.category, actor=request.user)

    def delete_model(self, request, obj):
        services.remove_member(user=obj.user, category=obj.category, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("user", "category"):
            self.delete_model(request, obj)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["post", "reporter", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    readonly_fields = [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The log is read-only: no page edits or deletes an entry."""

    list_display = ["created_at", "actor_name", "action", "target_label", "category"]
    list_filter = ["action", "category"]
    search_fields = ["actor_name", "target_label", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The forum's topic admin, with its changes made through the moderation
# services so each is in the audit log.
admin.site.unregister(Topic)


@admin.register(Topic)
class ModeratedTopicAdmin(TopicAdmin):
    actions = ["lock", "unlock", "pin", "unpin"]

    def save_model(self, request, obj, form, change):
        services.rename_topic(
            topic=obj, actor=request.user, title=form.cleaned_data["title"]
        )

    def _toggle(self, request, queryset, action, label, **kwargs):
        # Through the moderation services, so each change is in the audit log.
        service = getattr(services, action)
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
