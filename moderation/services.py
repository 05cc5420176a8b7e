from django.db import transaction

from accounts.models import User
from forum.models import Category

from .models import Facilitator


@transaction.atomic
def appoint_facilitator(*, user: User, category: Category) -> bool:
    """Make user a facilitator of category; return whether anything changed."""
    _, created = Facilitator.objects.get_or_create(user=user, category=category)
    return created


@transaction.atomic
def remove_facilitator(*, user: User, category: Category) -> bool:
    """Take the facilitator role in category away from user."""
    deleted, _ = Facilitator.objects.filter(user=user, category=category).delete()
    return bool(deleted)
