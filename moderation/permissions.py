"""Who may moderate what. Forum code asks these; it never repeats the logic."""

from forum.models import Category

from .models import Facilitator


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def facilitator_ids(*, category_id: int) -> set[int]:
    """Ids of the users who facilitate a category (one query)."""
    return set(
        Facilitator.objects.filter(category_id=category_id).values_list(
            "user_id", flat=True
        )
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
