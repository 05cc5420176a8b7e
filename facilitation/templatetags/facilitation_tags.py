"""What moderation's pages show of facilitation: the dashboard loads this tag
library rather than moderation's code importing the app built on it."""

import re

from django import template

from .. import queries

register = template.Library()


@register.inclusion_tag("facilitation/_queue.html", takes_context=True)
def facilitation_queue(context):
    """The facilitators' queue of the signed-in viewer's open dialogues, with an
    undo for the post just marked "no follow-up needed" (?dismissed=ID)."""
    dismissed = context.request.GET.get("dismissed", "")
    return {
        "queue": queries.facilitation_queue(viewer=context.request.user),
        "dismissed": dismissed if re.fullmatch("[0-9]{1,19}", dismissed) else "",
        "csrf_token": context.get("csrf_token"),
    }
