"""Who may facilitate a dialogue: its category's facilitators and the admins
(forum.permissions.can_moderate decides it), through these getters."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from forum.models import Post, Topic
from forum.permissions import can_moderate, get_post_for, get_topic_for


def get_dialogue_for(user, *, pk: int) -> Topic:
    """A topic user facilitates: 404 if they may not see it, 403 if they see it
    but do not facilitate it."""
    topic = get_topic_for(user, pk=pk)
    if not can_moderate(user, topic.category):
        raise PermissionDenied(_("Only this category's facilitators may do this."))
    return topic


def get_post_for_facilitator(user, *, pk: int) -> Post:
    """A post of a dialogue user facilitates (404 / 403 as get_dialogue_for)."""
    post = get_post_for(user, pk=pk)
    if not can_moderate(user, post.topic.category):
        raise PermissionDenied(_("Only this category's facilitators may do this."))
    return post


def get_dialogue_to_export(user, *, pk: int) -> Topic:
    """A dialogue user may export: its facilitators and admins (403 for anyone
    else who sees it)."""
    topic = get_topic_for(user, pk=pk)
    if not can_moderate(user, topic.category):
        raise PermissionDenied(_("Only the dialogue's facilitators can export it."))
    return topic


def is_exportable(topic: Topic) -> bool:
    """Only a closed dialogue is exported: an open one is still changing. The
    phase counts a dialogue past its closing time as closed already."""
    return topic.phase == "locked"
