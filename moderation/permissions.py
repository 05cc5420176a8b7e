"""Who may see and moderate what. Every read path of the forum asks
can_see_category / visible_categories; nothing else decides it."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from forum.models import Category, Post

from .models import Facilitator, Member


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def _facilitators_key(category_id: int) -> str:
    return f"facilitators:{category_id}"


# The shared cache is shared by every server process, and a role saved or deleted
# through the ORM (the services, the admin) forgets its category's set at once and
# again when it commits (forget_on_change): kept a day, so that topic pages find
# it there.
FACILITATORS_TIMEOUT = 24 * 3600


def facilitator_ids(*, category_id: int) -> set[int]:
    """Ids of the users who facilitate a category: from the shared cache, else one
    query. Permission checks on writes never use this cache."""
    key = _facilitators_key(category_id)
    ids = cache.get(key)
    if ids is None:
        ids = set(
            Facilitator.objects.filter(category_id=category_id).values_list(
                "user_id", flat=True
            )
        )
        cache.set(key, ids, timeout=FACILITATORS_TIMEOUT)
    return ids


def forget_facilitators(category_id: int) -> None:
    cache.delete(_facilitators_key(category_id))


def forget_on_change(*, instance: Facilitator, **kwargs) -> None:
    """post_save / post_delete of a Facilitator: forget its category's set now
    (this request reads its own write) and once the write commits (a concurrent
    read may have kept the old set meanwhile)."""
    category_id = instance.category_id
    forget_facilitators(category_id)
    transaction.on_commit(lambda: forget_facilitators(category_id))


def facilitated_category_ids(user) -> set[int]:
    """Ids of the categories user facilitates (one query; all for admins)."""
    if not user.is_authenticated:
        return set()
    if user.is_staff:
        return set(Category.objects.values_list("pk", flat=True))
    return set(
        Facilitator.objects.filter(user=user).values_list("category_id", flat=True)
    )


def is_moderator(user, facilitators: set[int]) -> bool:
    """Whether user moderates a category whose facilitator ids are known."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return user.pk in facilitators


def can_moderate(user, category: Category) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Facilitator.objects.filter(user=user, category=category).exists()


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
    return (
        Member.objects.filter(user=user, category=category).exists()
        or Facilitator.objects.filter(user=user, category=category).exists()
    )


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
    members = Member.objects.filter(user=user).values("category_id")
    facilitated = Facilitator.objects.filter(user=user).values("category_id")
    return (
        public
        | Q(**{field: Category.Visibility.SIGNED_IN})
        | Q(**{f"{pk}__in": members})
        | Q(**{f"{pk}__in": facilitated})
    )


def readers_of_category(*, category: Category, user_ids) -> set[int]:
    """Which of these users are active and may see category (can_see_category
    for many users in one query)."""
    from accounts.models import User

    users = User.objects.filter(pk__in=list(user_ids), is_active=True)
    if category.visibility == Category.Visibility.PRIVATE:
        users = users.filter(
            Q(is_staff=True)
            | Q(pk__in=Member.objects.filter(category=category).values("user_id"))
            | Q(pk__in=Facilitator.objects.filter(category=category).values("user_id"))
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


def can_manage_users(user) -> bool:
    return is_admin(user)
