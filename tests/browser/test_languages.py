"""The main journeys in English and in French, with JavaScript on and off, at
375 and 1280 pixels wide: read a dialogue, sign in, quote a post, preview and
post the reply; a facilitator locks the dialogue. The browser's language
chooses; the switcher in the footer changes it. Screenshots go to
test-artifacts/screenshots/ (lang-*)."""

import re

import pytest

from accounts.models import User
from forum.models import Post, Topic
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)

from .conftest import PASSWORD, TIMEOUT_MS, follow, pass_second_factor

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "locale": "en-GB",
        "sign_in_to_reply": "Sign in to reply",
        "sign_out": "Sign out",
        "quote": "Quote",
        "preview": "Preview",
        "post_reply": "Post reply",
        "tools": "Facilitator tools",
        "lock": "Lock topic",
        "locked": "Topic locked.",
        "posts": "3 posts",
    },
    "fr": {
        "locale": "fr-FR",
        "sign_in_to_reply": "Connectez-vous pour répondre",
        "sign_out": "Se déconnecter",
        "quote": "Citer",
        "preview": "Aperçu",
        "post_reply": "Publier la réponse",
        "tools": "Outils du facilitateur",
        "lock": "Verrouiller le sujet",
        "locked": "Sujet verrouillé.",
        "posts": "3 messages",
    },
}


@pytest.fixture
def dialogue(site):
    category = CategoryFactory(name="Dialogues", slug="dialogues")
    facilitator = make_facilitator(category, display_name="Mira Sol")
    topic = TopicFactory(
        category=category,
        author=facilitator,
        title="Water points and trust",
        body="How do we share the wells fairly?",
    )
    post = ReplyFactory(
        topic=topic,
        author=UserFactory(display_name="Amara Okafor"),
        body="We could start with a rota at the old well.",
    )
    ReplyFactory(topic=topic, body="Benches before speeches.")
    return topic, post, facilitator


def open_tab(browser, *, language: str, javascript: bool, width: int):
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
        locale=WORDS[language]["locale"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


def sign_in(page, site, user, words) -> None:
    """Sign in with the keyboard (Enter in the password box); the header then
    offers to sign out, in the page's language."""
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    pass_second_factor(page)
    sign_out = page.locator("header.site-header nav form button")
    assert sign_out.inner_text() == words["sign_out"], page.url


def fits(page, width: int) -> None:
    """Nothing makes the page scroll sideways (long French words included)."""
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide at {width}px"


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_journey(browser, site, dialogue, screenshot, language, javascript, width):
    topic, post, facilitator = dialogue
    words = WORDS[language]
    name = f"lang-{language}-{'js' if javascript else 'nojs'}-{width}"
    context, page = open_tab(
        browser, language=language, javascript=javascript, width=width
    )

    # Read the dialogue, signed out.
    page.goto(f"{site}{topic.get_absolute_url()}")
    assert page.locator("html").get_attribute("lang") == language
    main = page.locator("main").inner_text()
    assert words["sign_in_to_reply"] in main and words["posts"] in main
    fits(page, width)
    screenshot(page, f"{name}-01-read")

    # Sign in, quote a post, preview and post the reply.
    member = UserFactory(display_name="Ines Duarte")
    sign_in(page, site, member, words)
    page.goto(f"{site}{topic.get_absolute_url()}")
    follow(page.locator(f"#p{post.pk}").get_by_role("link", name=words["quote"]))
    body = page.locator("form.post-form textarea[name=body]")
    # With JavaScript the quote waits in the quotation field, shown as
    # "Quoting NAME"; without, it is in the textarea.
    quotation = page.locator("input[name=quotation]").input_value()
    kept = quotation if javascript else body.input_value()
    assert "Amara Okafor wrote:" in kept
    assert ("Amara Okafor wrote:" in body.input_value()) is not javascript
    assert page.locator("section.quoting").is_visible() is javascript
    body.fill(body.input_value() + "\n\nA rota *by street* could work.")
    page.get_by_role("button", name=words["preview"], exact=True).click()
    preview = page.locator("section.preview")
    preview.wait_for()
    assert preview.locator("em", has_text="by street").count() == 1
    assert preview.locator("h2").inner_text() == words["preview"]
    if javascript:
        assert preview.get_attribute("aria-label") == words["preview"]
    fits(page, width)
    screenshot(page, f"{name}-02-preview")
    page.get_by_role("button", name=words["post_reply"]).click()
    page.wait_for_url(re.compile(r"#p\d+$"))
    reply = Post.objects.get(author=member)
    assert reply.quoting_id == post.pk
    assert page.locator(f"#p{reply.pk} em", has_text="by street").count() == 1
    fits(page, width)
    screenshot(page, f"{name}-03-posted")
    context.close()

    # The facilitator locks the dialogue.
    context, page = open_tab(
        browser, language=language, javascript=javascript, width=width
    )
    sign_in(page, site, facilitator, words)
    page.goto(f"{site}{topic.get_absolute_url()}")
    page.locator("summary", has_text=words["tools"]).click()
    page.fill("#closing-note", "Thank you all.")
    fits(page, width)
    screenshot(page, f"{name}-04-tools")
    follow(page.get_by_role("button", name=words["lock"]))
    assert words["locked"] in page.locator("main").inner_text()
    assert Topic.objects.get(pk=topic.pk).is_locked
    fits(page, width)
    screenshot(page, f"{name}-05-locked")
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_switcher_changes_the_language(browser, site, dialogue, javascript):
    """Signed out, the footer link switches (a cookie); signed in, the button
    switches and the choice is saved on the account."""
    topic, _, _ = dialogue
    context, page = open_tab(browser, language="en", javascript=javascript, width=375)
    page.goto(f"{site}{topic.get_absolute_url()}")
    follow(page.locator("footer").get_by_role("link", name="Français"))
    assert page.url.endswith(topic.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "fr"
    follow(page.locator("footer").get_by_role("link", name="English"))
    assert page.locator("html").get_attribute("lang") == "en"

    member = UserFactory(display_name="Ines Duarte")
    sign_in(page, site, member, WORDS["en"])
    page.goto(f"{site}{topic.get_absolute_url()}")
    follow(page.locator("footer").get_by_role("button", name="Français"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert User.objects.get(pk=member.pk).language == "fr"
    context.close()
