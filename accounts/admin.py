from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .forms import UserAddForm, UserEditForm
from .models import User
from .signals import user_shown_changed


@admin.register(User)
class ForumUserAdmin(UserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = [
        "username",
        "display_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Forum", {"fields": ["display_name", "signature", "thread_view"]}),
        (
            "Moderation (changed on the Facilitation pages)",
            {
                "fields": [
                    "is_facilitator",
                    "suspended_at",
                    "suspended_until",
                    "suspension_reason",
                ]
            },
        ),
    )
    readonly_fields = [
        "is_facilitator",
        "suspended_at",
        "suspended_until",
        "suspension_reason",
    ]
    search_fields = ["username", "display_name", "email"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A name, signature or staff badge edited here shows on every page.
        user_shown_changed.send(sender=User, user=obj)
