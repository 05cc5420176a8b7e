import pytest

from forum.models import Category
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.helpers import configure


def private_category() -> Category:
    """A members-only category (admins set visibility in the Django admin)."""
    return configure(CategoryFactory(), visibility=Category.Visibility.PRIVATE)


@pytest.fixture
def starter():
    return UserFactory(username="starter", email="starter@example.org")


@pytest.fixture
def dialogue(category, starter):
    return TopicFactory(category=category, author=starter, title="Water rights")
