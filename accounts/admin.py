from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User
from .signals import user_shown_changed


@admin.register(User)
class ForumUserAdmin(UserAdmin):
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


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class SecondFactorAdmin(AuthenticatorAdmin):
    """Admins see who has which second factor and delete one that is lost (its
    owner then sets up another); the secrets it holds are never shown."""

    exclude = ["data"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
