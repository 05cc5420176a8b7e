from django.contrib import admin

from .models import Notification, NotificationSettings, Watch


class LookOnlyAdmin(admin.ModelAdmin):
    # Rows change through notifications.services, which keeps the unread
    # counters and digests in step; the admin only looks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(LookOnlyAdmin):
    list_display = ("recipient", "kind", "reason", "topic", "created_at", "read_at")
    list_filter = ("kind", "reason", "email_state")


@admin.register(Watch)
class WatchAdmin(LookOnlyAdmin):
    list_display = ("user", "level", "topic", "category", "created_at")
    list_filter = ("level",)


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(LookOnlyAdmin):
    list_display = ("user", "auto_watch", "digest", "last_digest_on")
