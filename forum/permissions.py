"""What a user may see and do in the forum: small predicates and getters.

Seeing a category is decided by can_see_category alone; a getter answers 404
both for what does not exist and for what the user may not see, so a
members-only category's titles never leak.

Roles are moderation's rows (Facilitator, Member); they are read here through
their relations' names (category.facilitators, user.memberships, …), so the
forum decides every rule without importing the app built on it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from attachments.models import Attachment

from .exceptions import SecondFactorRequired
from .models import Category, Post, Topic

# What every signed-in reader sees, whatever their roles.
OPEN_TO_SIGNED_IN = [Category.Visibility.PUBLIC, Category.Visibility.SIGNED_IN]


def _facilitators_key(category_id: int) -> str:
    return f"facilitators:{category_id}"


# The shared cache is shared by every server process, and a role saved or deleted
# through the ORM (the services, the admin) forgets its category's set at once and
# again when it commits (moderation's forget_on_change): kept a day, so that a
# topic page's shared reads, refilled after every change on the site, find it.
FACILITATORS_TIMEOUT = 24 * 3600


def facilitator_ids(*, category_id: int) -> set[int]:
    """Ids of the users who facilitate a category: from the shared cache, else one
    query. Permission checks on writes never use this cache."""
    key = _facilitators_key(category_id)
    ids = cache.get(key)
    if ids is None:
        ids = set(
            User.objects.filter(facilitating__category_id=category_id).values_list(
                "pk", flat=True
            )
        )
        cache.set(key, ids, timeout=FACILITATORS_TIMEOUT)
    return ids


def forget_facilitators(category_id: int) -> None:
    cache.delete(_facilitators_key(category_id))


def holds_power(user) -> bool:
    """Whether user is staff or facilitates a category (the flag that
    moderation.services keeps; no query)."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or user.is_facilitator


def lacks_second_factor(user) -> bool:
    """Whether user holds power but has not set up two-factor sign-in: until they
    do, every page prompts them and their tools refuse them."""
    if not holds_power(user):
        return False
    return not user.has_second_factor


def require_second_factor(user) -> None:
    """Raise SecondFactorRequired (a 403 linking to the setup) if user lacks it."""
    if lacks_second_factor(user):
        raise SecondFactorRequired


def may_use_power(user) -> bool:
    """The one gate before every moderation, facilitation and admin action, and
    before what only those who hold power see: a role (facilitator, admin) gives
    power only to an account signed in, active, not suspended and with a second
    factor set up. Any further condition on holding power belongs here, not in
    the views."""
    if not user.is_authenticated:
        return False
    if not user.is_active or user.is_suspended:
        return False
    return not lacks_second_factor(user)


def is_admin(user) -> bool:
    """Whether user may act as an admin now (staff, and may_use_power)."""
    if not may_use_power(user):
        return False
    return user.is_staff


def facilitated_category_ids(user) -> set[int]:
    """Ids of the categories user moderates now (one query; all for admins)."""
    if not may_use_power(user):
        return set()
    if user.is_staff:
        return set(Category.objects.values_list("pk", flat=True))
    return set(user.facilitating.values_list("category_id", flat=True))


def is_moderator(user, facilitators: set[int]) -> bool:
    """Whether user moderates a category whose facilitator ids are known."""
    if not may_use_power(user):
        return False
    if user.is_staff:
        return True
    return user.pk in facilitators


def can_moderate(user, category: Category) -> bool:
    if not may_use_power(user):
        return False
    if user.is_staff:
        return True
    return category.facilitators.filter(user=user).exists()


def can_see_category(user, category: Category) -> bool:
    """The one rule for seeing a category, its topics, posts and even titles."""
    if category.visibility == Category.Visibility.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if category.visibility == Category.Visibility.SIGNED_IN:
        return True
    if user.is_staff:
        return True
    if category.members.filter(user=user).exists():
        return True
    return category.facilitators.filter(user=user).exists()


def visible_categories(user, prefix: str = "") -> Q:
    """can_see_category as a filter; prefix is the path to the category
    (e.g. "topic__category__") when filtering topics or posts."""
    field = f"{prefix}visibility" if prefix else "visibility"
    pk = f"{prefix}pk" if prefix else "pk"
    public = Q(**{field: Category.Visibility.PUBLIC})
    if not user.is_authenticated:
        return public
    if user.is_staff:
        return Q()
    return (
        public
        | Q(**{field: Category.Visibility.SIGNED_IN})
        | Q(**{f"{pk}__in": user.memberships.values("category_id")})
        | Q(**{f"{pk}__in": user.facilitating.values("category_id")})
    )


def visible_to_their_readers(*, reader: str, prefix: str) -> Q:
    """can_see_category as a filter on rows that each name their own reader (a
    notification's recipient): reader is the path to that user, prefix the path
    to the category (e.g. "topic__category__")."""
    # The role models are moderation's, reached through their relations' names.
    members = Category._meta.get_field("members").related_model
    facilitators = Category._meta.get_field("facilitators").related_model
    role = {"user": OuterRef(reader), "category": OuterRef(f"{prefix}pk")}
    return (
        Q(**{f"{prefix}visibility__in": OPEN_TO_SIGNED_IN})
        | Q(**{f"{reader}__is_staff": True})
        | Q(Exists(members.objects.filter(**role)))
        | Q(Exists(facilitators.objects.filter(**role)))
    )


def readers_of_category(*, category: Category, user_ids) -> set[int]:
    """Which of these users are active and may see category (can_see_category
    for many users in one query)."""
    users = User.objects.filter(pk__in=list(user_ids), is_active=True)
    if category.visibility == Category.Visibility.PRIVATE:
        users = users.filter(
            Q(is_staff=True)
            | Q(pk__in=category.members.values("user_id"))
            | Q(pk__in=category.facilitators.values("user_id"))
        )
    return set(users.values_list("pk", flat=True))


def can_see_post_text(user, post: Post, facilitators: set[int] | None = None) -> bool:
    """Whether user may read a post's text (category visibility checked apart)."""
    own = user.is_authenticated and post.author_id == user.pk
    if own:
        return True
    if post.is_hidden or not post.is_published:
        if facilitators is None:
            return can_moderate(user, post.topic.category)
        return is_moderator(user, facilitators)
    return True


def needs_approval(*, author: User, category: Category) -> bool:
    """Whether author's posts in category wait for a facilitator's approval."""
    if category.approval_threshold == 0:
        return False
    approved = Post.objects.filter(
        author=author, topic__category=category, status=Post.Status.PUBLISHED
    ).count()
    if approved >= category.approval_threshold:
        return False
    return not can_moderate(author, category)


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
    return not needs_approval(author=user, category=category)


def can_reply(user, topic: Topic) -> bool:
    if not can_post(user):
        return False
    return takes_replies_from(user, topic, moderator=None)


def takes_replies_from(user, topic: Topic, *, moderator: bool | None) -> bool:
    """Whether topic, in its phase, takes a reply from user (posting rights apart):
    not once closed; while scheduled, only from its moderators. moderator: whether
    user moderates the topic's category, if already known."""
    if topic.phase == "locked":
        return False
    if topic.phase != "scheduled":
        return True
    if moderator is None:
        return can_moderate(user, topic.category)
    return moderator


def within_edit_window(post: Post) -> bool:
    return edit_window_left(post) >= 0


def edit_window_left(post: Post) -> float:
    """Seconds until the author's edit window on this post closes (negative once
    it has)."""
    limit = timedelta(hours=settings.FORUM_EDIT_WINDOW_HOURS)
    return (post.created_at + limit - timezone.now()).total_seconds()


def can_edit(user, post: Post, *, moderator: bool | None = None) -> bool:
    """Facilitators edit any post in their categories at any time; authors their
    own within the edit window while the topic is open (a returned post always,
    a hidden one while the topic is open, to rephrase it)."""
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
    if post.topic.phase == "locked":
        return False
    if post.is_hidden and post.body:
        return True
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
    moderator = is_moderator(user, facilitators)
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
    if not post.is_published and not can_see_post_text(user, post):
        raise Http404("No such post.")
    return post


def get_attachment_for(user, *, pk: int) -> Attachment:
    """An attachment user may fetch: their own upload not yet in a post, or one
    whose post's text they may read (category visible; post published, or
    hidden, awaiting approval or returned only for its author and the
    facilitators). Anything else answers the 404 of a missing file."""
    attachment = (
        Attachment.objects.select_related("post__topic__category").filter(pk=pk).first()
    )
    if attachment is None:
        raise Http404("No such file.")
    post = attachment.post
    if post is None:
        if user.is_authenticated and attachment.owner_id == user.pk:
            return attachment
        raise Http404("No such file.")
    if not can_see_category(user, post.topic.category):
        raise Http404("No such file.")
    if not can_see_post_text(user, post):
        raise Http404("No such file.")
    return attachment


def get_topic_to_moderate(user, *, pk: int) -> Topic:
    """A topic user moderates: 404 if they may not see it, 403 if they see it
    but do not moderate its category."""
    topic = get_topic_for(user, pk=pk)
    require_second_factor(user)
    if not can_moderate(user, topic.category):
        raise PermissionDenied(_("Only this category's facilitators may do this."))
    return topic


def get_post_to_moderate(user, *, pk: int) -> Post:
    """A post user moderates (404 / 403 as get_topic_to_moderate)."""
    post = get_post_for(user, pk=pk)
    require_second_factor(user)
    if not can_moderate(user, post.topic.category):
        raise PermissionDenied(_("Only this category's facilitators may do this."))
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
    if not can_see_post_text(user, post):
        raise Http404("No such post.")
    return post
