"""Drafts and posting limits as a writer meets them in the browser: nothing
typed is lost by leaving a form, with or without JavaScript, nor by posting
too fast."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum.models import Draft, Post, RateLimit
from tests.factories import TopicFactory, UserFactory, make_facilitator

from .conftest import follow

pytestmark = pytest.mark.browser


@pytest.fixture
def topic(site):
    return TopicFactory(title="Benches in the square")


def writer() -> User:
    """A participant who has already answered whether exports may name them."""
    user = UserFactory(display_name="Ines Duarte")
    User.objects.filter(pk=user.pk).update(named_in_exports=True)
    return User.objects.get(pk=user.pk)


def test_typed_reply_comes_back_after_leaving_with_javascript(
    page, site, topic, sign_in, screenshot
):
    """Type, follow a link, come back: the text is in the form again, saved as
    it was typed; leaving before it is saved asks first."""
    author = writer()
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    body = page.get_by_label("Message")
    with page.expect_response(lambda r: r.url.endswith("/drafts/")) as saved:
        body.press_sequentially("Benches first, speeches later.")
    assert saved.value.status == 204
    follow(page.get_by_role("link", name="Back to the topic"))
    page.goto(f"{site}/t/{topic.pk}/reply/")
    assert (
        page.get_by_label("Message")
        .input_value()
        .startswith("Benches first, speeches later.")
    )
    assert page.locator(".draft-note").count() == 1
    screenshot(page, "drafts-restored-js-375", width=375)

    # A change not yet saved: leaving asks, and staying keeps the text.
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_label("Message").press("Control+End")
    page.get_by_label("Message").press_sequentially(" And shade.")
    page.get_by_role("link", name="Back to the topic").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/reply/")

    page.remove_listener("dialog", answer)
    follow(page.get_by_role("button", name="Post reply"))
    assert Post.objects.filter(
        author=author, body="Benches first, speeches later. And shade."
    ).exists()
    assert not Draft.objects.filter(user=author).exists()


def test_save_draft_button_without_javascript(nojs_page, site, topic, sign_in):
    """Without JavaScript, "Save draft" keeps the text for the next visit."""
    page = nojs_page
    author = writer()
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/")
    page.get_by_label("Message").fill("A thought to finish tonight.")
    follow(page.get_by_role("button", name="Save draft"))
    assert "Draft saved." in page.locator(".messages").inner_text()
    page.goto(f"{site}/")
    page.goto(f"{site}/t/{topic.pk}/")
    assert page.get_by_label("Message").input_value() == "A thought to finish tonight."
    follow(page.get_by_role("button", name="Post reply"))
    assert Post.objects.filter(author=author, body="A thought to finish tonight.")
    assert not Draft.objects.filter(user=author).exists()


def test_seventh_quick_reply_says_when_to_retry_and_keeps_the_text(
    page, site, sign_in, settings, screenshot
):
    """The facilitator's seventh reply within a minute is refused with a
    truthful wait and the text kept; once that wait has passed, sending the
    same form again posts it."""
    settings.FORUM_POSTS_PER_MINUTE = 6  # as in production
    topic = TopicFactory(title="Water rights")
    facilitator = make_facilitator(topic.category, display_name="Mira Sol")
    User.objects.filter(pk=facilitator.pk).update(
        date_joined=timezone.now() - timedelta(days=90)
    )
    sign_in(page, facilitator)
    url = f"{site}/t/{topic.pk}/"
    for n in range(6):
        page.goto(url)
        page.get_by_label("Message").fill(f"Quick reply number {n}.")
        follow(page.get_by_role("button", name="Post reply"))
    page.goto(url)
    page.get_by_label("Message").fill("The seventh reply, kept.")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        follow(page.get_by_role("button", name="Post reply"))
    refused = sent.value
    assert refused.status == 429
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    assert f"You can post again in {wait} second" in page.content()
    assert page.get_by_label("Message").input_value() == "The seventh reply, kept."
    screenshot(page, "posting-limit-refused-375", width=375)

    # The window's end brought to now stands for waiting those seconds.
    limit = RateLimit.objects.filter(key=f"post:m:{facilitator.pk}")
    assert limit.update(resets_at=timezone.now()) == 1
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        follow(page.get_by_role("button", name="Post reply"))
    assert sent.value.status == 302
    assert Post.objects.filter(body="The seventh reply, kept.").count() == 1
