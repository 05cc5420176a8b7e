import pytest

from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    make_facilitator,
)


@pytest.fixture
def dialogue():
    """A facilitated topic with one reply: (topic, reply, facilitator)."""
    category = CategoryFactory(name="Open dialogues", slug="open")
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, author=facilitator, title="First words")
    reply = ReplyFactory(topic=topic, body="An early thought.")
    return topic, reply, facilitator
