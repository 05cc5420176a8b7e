from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
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

    # What makes an account powerful: nobody changes these on their own account,
    # so no one revives, promotes or locks out themselves by mistake or on purpose.
    own_account_fixed = [
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += self.own_account_fixed
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.pk == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.exclude(pk=request.user.pk))

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
