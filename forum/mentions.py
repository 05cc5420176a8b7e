"""@mentions: which names in a post are active users, and their links."""

from django.db.models.functions import Lower
from django.urls import reverse

from accounts.models import User

from .markdown import render_post

# Only the first names of a post are told, so a list of names is no broadcast.
MAX_MENTIONS = 10


def mention_lookup(names: list[str]) -> dict[str, str]:
    """Profile addresses of the active users among lower-case usernames."""
    rows = (
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=names, is_active=True)
        .values_list("lower", "username")
    )
    return {lower: reverse("forum:profile", args=[name]) for lower, name in rows}


def render_with_mentions(body: str, image_sizes=None) -> tuple[str, list[str]]:
    """A post body's HTML with @mentions linked (and the attached images of
    image_sizes shown, forum.markdown.render_post), and the names mentioned
    outside quotes."""
    return render_post(body, mention_lookup=mention_lookup, image_sizes=image_sizes)


def mentioned_user_ids(names: list[str]) -> list[int]:
    """The active users among the first MAX_MENTIONS names, in their order."""
    wanted = names[:MAX_MENTIONS]
    if not wanted:
        return []
    rows = dict(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=wanted, is_active=True)
        .values_list("lower", "pk")
    )
    return [rows[name] for name in wanted if name in rows]
