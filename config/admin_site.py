"""The Django admin, open only to admins who may use their power now
(forum.permissions.is_admin: staff, signed in, active, not suspended, with a
second factor)."""

from functools import wraps

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from forum.permissions import is_admin, require_second_factor


class ForumAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return is_admin(request.user)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        # Django would send a signed-in account without the permission to the
        # admin's sign-in form; a suspended admin is told no instead.
        @wraps(view)
        def refuse_without_power(request, *args, **kwargs):
            # Staff without a second factor get the page that links to its setup.
            require_second_factor(request.user)
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied(_("Only admins may use the admin pages."))
            return guarded(request, *args, **kwargs)

        return refuse_without_power
