"""Who may facilitate a dialogue: its category's facilitators and the admins
(forum.permissions.can_moderate decides it), through these getters."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from forum.models import Category, Topic
from forum.permissions import (
    can_moderate,
    get_category_for,
    get_post_to_moderate,
    get_topic_for,
    get_topic_to_moderate,
    require_second_factor,
)

from .models import Invitation

# A dialogue's facilitators are its category's moderators.
get_dialogue_for = get_topic_to_moderate
get_post_for_facilitator = get_post_to_moderate


def get_dialogue_to_export(user, *, pk: int) -> Topic:
    """A dialogue user may export: its facilitators and admins (403 for anyone
    else who sees it)."""
    topic = get_topic_for(user, pk=pk)
    require_second_factor(user)
    if not can_moderate(user, topic.category):
        raise PermissionDenied(_("Only the dialogue's facilitators can export it."))
    return topic


def is_exportable(topic: Topic) -> bool:
    """Only a closed dialogue is exported: an open one is still changing. The
    phase counts a dialogue past its closing time as closed already."""
    return topic.phase == "locked"


def takes_invitations(category: Category) -> bool:
    """Only a members-only category needs inviting into: anyone signed in
    already reads the others."""
    return category.visibility == Category.Visibility.PRIVATE


def get_category_to_invite_to(user, *, slug: str) -> Category:
    """A category whose facilitators (with power) and admins invite people: 404
    for those who may not see it, 403 for those who see it but do not
    facilitate it."""
    category = get_category_for(user, slug=slug)
    require_second_factor(user)
    if not can_moderate(user, category):
        raise PermissionDenied(_("Only this category's facilitators invite people."))
    return category


def get_invitation_to_remind(user, *, pk: int) -> Invitation:
    """An invitation user may send a reminder of: one into a category they
    facilitate (404 / 403 as get_category_to_invite_to)."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("category", "topic"), pk=pk
    )
    get_category_to_invite_to(user, slug=invitation.category.slug)
    return invitation
