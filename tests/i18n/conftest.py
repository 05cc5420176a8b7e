import html
import re

import pytest

from forum.models import Category
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory
from tests.helpers import configure

# Interface phrases that must not be left in English on a French page.
ENGLISH = [
    "Sign in",
    "Sign up",
    "Sign out",
    "Search the forum",
    "Skip to content",
    "Settings",
    "Last post",
    "No posts yet",
    "Start a topic",
    "Topic locked",
    "Show posts",
    "Threaded",
    "Flat, by time",
    "Reply to this topic",
    "Post reply",
    "Preview",
    "Quote",
    "Reply",
    "Watch",
    "Back to the forum",
    "Page not found",
    "Your settings",
    "Save profile",
    "Mark all as read",
    "Waiting for a facilitator",
    "Your categories",
    "Open reports",
    "Awaiting approval",
    "Write a message before posting",
    "This field is required",
    "posts",
    "post",
    "new",
    "by",
    "Summary",
    "Language",
    "Previous",
    "Next",
    "Topics",
    "Member since",
    "member since",
    "Recent posts",
    "Topics started",
    "(optional)",
]

ATTRIBUTES = re.compile(r'\s(?:aria-label|title|placeholder|data-label|alt)="([^"]*)"')


def visible_text(page: str) -> str:
    """What a reader sees or hears of a page: its text and its labels, without
    the users' own writing (data-user-content) and the language switcher's
    language names."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(
        r"(?is)<(div|p|section)\b[^>]*data-user-content[^>]*>.*?</\1>", " ", page
    )
    labels = " ".join(ATTRIBUTES.findall(page))
    text = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(f"{text} {labels}").split())


def english_left(page: str) -> list[str]:
    text = visible_text(page)
    return [
        phrase
        for phrase in ENGLISH
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
    ]


@pytest.fixture
def french(client):
    """A browser that asks for French."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    return client


@pytest.fixture
def forum():
    """A category with a dialogue, in French words (users write in their own
    language; only the interface is translated)."""
    category = CategoryFactory(
        name="Assemblée", slug="assemblee", description="Un lieu"
    )
    author = UserFactory(username="amina", display_name="Amina")
    topic = TopicFactory(
        category=category,
        author=author,
        title="La confiance",
        body="Qu'en pensez-vous ?",
    )
    reply = ReplyFactory(
        topic=topic, body="Une première idée.", parent=topic.first_post
    )
    return category, topic, reply


def private(category: Category) -> Category:
    configure(category, visibility=Category.Visibility.PRIVATE)
    category.refresh_from_db()
    return category
