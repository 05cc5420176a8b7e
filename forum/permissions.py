"""What a user may see and do in the forum: small predicates and getters.

Seeing a category is decided by moderation.permissions.can_see_category alone;
a getter answers 404 both for what does not exist and for what the user may not
see, so a members-only category's titles never leak.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Category, Post, Topic


def _moderation():
    # Asked lazily: moderation builds on the forum, not the other way round.
    from moderation import permissions

    return permissions


def can_see_category(user, category: Category) -> bool:
    return _moderation().can_see_category(user, category)


def visible_categories(user, prefix: str = ""):
    """A Q filter of the categories user may see (see can_see_category)."""
    return _moderation().visible_categories(user, prefix)


def can_moderate(user, category: Category) -> bool:
    return _moderation().can_moderate(user, category)


def can_post(user) -> bool:
    """Signed in, active and not suspended. (Signing in needs a verified email.)"""
    if not user.is_authenticated:
        return False
    if not user.is_active:
        return False
    return not user.is_suspended


def can_start_topic(user, category: Category) -> bool:
    if not can_post(user):
        return False
    if category.approval_threshold == 0:
        return True
    # Topics are not held for approval: in categories that hold new users' posts,
    # only those past the threshold (and facilitators) open topics.
    from .services import needs_approval

    return not needs_approval(author=user, category=category)


def can_reply(user, topic: Topic) -> bool:
    if not can_post(user):
        return False
    if topic.is_locked or topic.is_due_to_close:
        return False
    if topic.phase == "scheduled":
        return can_moderate(user, topic.category)
    return True


def within_edit_window(post: Post) -> bool:
    return edit_window_left(post) >= 0


def edit_window_left(post: Post) -> float:
    """Seconds until the author's edit window on this post closes (negative once
    it has)."""
    limit = timedelta(hours=settings.FORUM_EDIT_WINDOW_HOURS)
    return (post.created_at + limit - timezone.now()).total_seconds()


def can_edit(user, post: Post, *, moderator: bool | None = None) -> bool:
    """Facilitators edit any post in their categories at any time; authors their
    own within the edit window while the topic is open (a returned post always)."""
    if not can_post(user):
        return False
    if moderator is None:
        moderator = can_moderate(user, post.topic.category)
    if moderator:
        return True
    if post.author_id != user.pk:
        return False
    if post.status == Post.Status.RETURNED:
        return True
    if post.topic.is_locked or post.topic.is_due_to_close:
        return False
    return within_edit_window(post)


def can_report(user, post: Post) -> bool:
    if not can_post(user):
        return False
    if post.author_id == user.pk:
        return False
    return post.is_published and not post.is_hidden


def can_see_history(user, post: Post) -> bool:
    if not user.is_authenticated:
        return False
    if post.author_id == user.pk:
        return True
    return can_moderate(user, post.topic.category)


def editable_post_ids(
    user, *, topic: Topic, posts: list[Post], facilitators: set[int]
) -> set[int]:
    """Which of these posts user may edit, given the category's facilitator ids."""
    moderator = _moderation().is_moderator(user, facilitators)
    for post in posts:
        post.topic = topic  # already loaded: no query per post
    return {p.pk for p in posts if can_edit(user, p, moderator=moderator)}


def get_category_for(user, *, slug: str) -> Category:
    category = get_object_or_404(Category, slug=slug)
    if not can_see_category(user, category):
        raise Http404("No such category.")
    return category


def get_topic_for(user, *, pk: int, topics=None) -> Topic:
    """A topic user may see (404 otherwise), from `topics` if given (a queryset
    carrying annotations the page needs)."""
    topics = Topic.objects.all() if topics is None else topics
    topic = get_object_or_404(topics.select_related("category"), pk=pk)
    if not can_see_category(user, topic.category):
        raise Http404("No such topic.")
    return topic


def get_post_for(user, *, pk: int) -> Post:
    """A post user may see: its category visible, and if it awaits approval or was
    returned, only to its author and the facilitators."""
    post = get_object_or_404(
        Post.objects.select_related("topic", "topic__category"), pk=pk
    )
    if not can_see_category(user, post.topic.category):
        raise Http404("No such post.")
    if not post.is_published and not _moderation().can_see_post_text(user, post):
        raise Http404("No such post.")
    return post


def get_post_in_topic(user, *, topic: Topic, pk: int | str | None) -> Post | None:
    """The post a reply answers or quotes: None if not given, 404 if missing or
    not readable (participants cannot answer or quote a hidden post), 403 if it
    belongs to another topic."""
    if pk in (None, ""):
        return None
    try:
        post_pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such post.") from None
    post = get_post_for(user, pk=post_pk)
    if post.topic_id != topic.pk:
        raise PermissionDenied(_("That post is not in this topic."))
    if not post.is_published:
        raise Http404("No such post.")
    # A hidden post's text shows in the quote and in "Replying to": for those who
    # may not read it, it is not there to answer.
    if not _moderation().can_see_post_text(user, post):
        raise Http404("No such post.")
    return post
