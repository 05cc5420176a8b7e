"""What a user may see and do in the forum: small predicates and getters."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Category, Post, Topic


def _moderation():
    # Asked lazily: moderation builds on the forum, not the other way round.
    from moderation import permissions

    return permissions


def can_post(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_start_topic(user, category: Category) -> bool:
    return can_post(user)


def can_reply(user, topic: Topic) -> bool:
    if not can_post(user):
        return False
    return not topic.is_locked


def can_edit(user, post: Post) -> bool:
    if not can_post(user):
        return False
    if post.topic.is_locked:
        return False
    if post.author_id == user.pk:
        return True
    return _moderation().can_moderate(user, post.topic.category)


def editable_post_ids(
    user, *, topic: Topic, posts: list[Post], facilitators: set[int]
) -> set[int]:
    """Which of these posts user may edit, given the category's facilitator ids."""
    if not can_post(user) or topic.is_locked:
        return set()
    if _moderation().is_moderator(user, facilitators):
        return {p.pk for p in posts}
    return {p.pk for p in posts if p.author_id == user.pk}


def get_category_for(user, *, slug: str) -> Category:
    return get_object_or_404(Category, slug=slug)


def get_topic_for(user, *, pk: int) -> Topic:
    return get_object_or_404(Topic.objects.select_related("category"), pk=pk)


def get_post_for(user, *, pk: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("topic", "topic__category"), pk=pk
    )


def get_post_in_topic(user, *, topic: Topic, pk: int | str | None) -> Post | None:
    """The post a reply answers or quotes: None if not given, 404 if missing,
    403 if it belongs to another topic."""
    if pk in (None, ""):
        return None
    try:
        post_pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such post.") from None
    post = get_post_for(user, pk=post_pk)
    if post.topic_id != topic.pk:
        raise PermissionDenied("That post is not in this topic.")
    return post
