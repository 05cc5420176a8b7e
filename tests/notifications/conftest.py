import pytest

from forum.models import Category
from tests.factories import CategoryFactory, TopicFactory, UserFactory


def private_category() -> Category:
    """A members-only category (admins set visibility in the Django admin)."""
    category = CategoryFactory()
    Category.objects.filter(pk=category.pk).update(
        visibility=Category.Visibility.PRIVATE
    )
    category.refresh_from_db()
    return category


@pytest.fixture
def starter():
    return UserFactory(username="starter", email="starter@example.org")


@pytest.fixture
def dialogue(category, starter):
    return TopicFactory(category=category, author=starter, title="Water rights")
