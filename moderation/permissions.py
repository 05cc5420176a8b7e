"""Who may manage users and whose accounts, and keeping the forum's cached
facilitator sets in step with the roles stored here. Seeing and moderating are
decided by forum.permissions (can_see_category, can_moderate, …), which reads
these roles through their relations' names; moderation code asks it directly."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from forum.permissions import forget_facilitators, is_admin

from .models import Facilitator


def can_manage_users(user) -> bool:
    if not is_admin(user):
        return False
    return user.has_second_factor


OWN_ACCOUNT = _("You cannot change your own account's suspension or roles.")


def may_act_on(actor, user) -> bool:
    """Whether actor may change user's account (suspension, roles, deletion):
    nobody changes their own, so no one lifts their own suspension or makes
    themselves more powerful."""
    return actor.pk != user.pk


def forget_on_change(*, instance: Facilitator, **kwargs) -> None:
    """post_save / post_delete of a Facilitator: forget its category's set now
    (this request reads its own write) and once the write commits (a concurrent
    read may have kept the old set meanwhile)."""
    category_id = instance.category_id
    forget_facilitators(category_id)
    transaction.on_commit(lambda: forget_facilitators(category_id))
