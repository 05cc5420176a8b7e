import pytest

from tests.factories import CategoryFactory, TopicFactory, UserFactory


@pytest.fixture(autouse=True)
def _db_for_all(db):
    """Every test may use the database."""


@pytest.fixture
def user():
    return UserFactory(display_name="Rosa Ilunga")


@pytest.fixture
def other_user():
    return UserFactory(display_name="Tomás Varga")


@pytest.fixture
def category():
    return CategoryFactory(name="Dialogues", slug="dialogues")


@pytest.fixture
def topic(category, other_user):
    return TopicFactory(category=category, author=other_user, title="Trust in towns")


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with empty caches (cached roles, rate limits, pages)."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def staff_client(client):
    """A client signed in as a staff member (the Django admin's users)."""
    client.force_login(UserFactory(is_staff=True))
    return client
