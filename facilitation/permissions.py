"""Who may facilitate a dialogue: its category's facilitators and the admins
(forum.permissions.can_moderate decides it), through these getters."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from forum.models import Topic
from forum.permissions import (
    can_moderate,
    get_post_to_moderate,
    get_topic_for,
    get_topic_to_moderate,
    require_second_factor,
)

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
