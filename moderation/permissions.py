"""Who may manage users, and keeping the forum's cached facilitator sets in step
with the roles stored here. Seeing and moderating are decided by
forum.permissions (can_see_category, can_moderate, …), which reads these roles
through their relations' names; moderation code asks it directly."""

from django.db import transaction

from forum.permissions import forget_facilitators

from .models import Facilitator


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def can_manage_users(user) -> bool:
    if not is_admin(user):
        return False
    return user.has_second_factor


def forget_on_change(*, instance: Facilitator, **kwargs) -> None:
    """post_save / post_delete of a Facilitator: forget its category's set now
    (this request reads its own write) and once the write commits (a concurrent
    read may have kept the old set meanwhile)."""
    category_id = instance.category_id
    forget_facilitators(category_id)
    transaction.on_commit(lambda: forget_facilitators(category_id))
