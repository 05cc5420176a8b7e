from django.db.models import Q

from .models import User


def others(user: User | None):
    """Every account but user's (all of them when user is None)."""
    return User.objects.exclude(pk=user.pk) if user else User.objects.all()


def name_looks_taken(shape: str, *, user: User | None) -> bool:
    """Whether another account's username or display name has this skeleton
    (accounts.names.skeleton): one query on two indexed columns."""
    return (
        others(user)
        .filter(Q(username_skeleton=shape) | Q(display_name_skeleton=shape))
        .exists()
    )


def team_shows_as(shape: str, *, user: User | None) -> bool:
    """Whether an admin or a facilitator other than user shows as, or has a
    username that looks like, this skeleton."""
    return (
        others(user)
        .filter(Q(is_staff=True) | Q(is_facilitator=True))
        .filter(Q(username_skeleton=shape) | Q(display_name_skeleton=shape))
        .exists()
    )
