"""A facilitator closes a dialogue in a real browser, without JavaScript."""

import re

import pytest

from forum.models import Post, Topic
from moderation.models import AuditEntry
from tests.factories import ReplyFactory, TopicFactory, UserFactory, make_facilitator

from .conftest import follow

pytestmark = pytest.mark.browser


def test_facilitator_locks_topic_and_participant_sees_it_locked(
    browser, site, nojs_page, sign_in, screenshot
):
    """The closing note and "Topic locked" show; the participant has no reply form."""
    topic = TopicFactory(title="Water points and trust")
    facilitator = make_facilitator(topic.category, display_name="Mira Sol")
    participant = UserFactory(display_name="Jonas Berg")
    ReplyFactory(topic=topic, author=participant, body="We met at the well.")

    page = nojs_page
    sign_in(page, facilitator)
    page.goto(f"{site}{topic.get_absolute_url()}")
    page.locator("summary", has_text="Facilitator tools").click()
    page.fill("#closing-note", "Thank you all. The **summary** follows next week.")
    follow(page.get_by_role("button", name="Lock topic"))
    assert "Topic locked" in page.content(), page.locator("main").inner_text()
    screenshot(page, "moderation-locked-by-facilitator")

    topic.refresh_from_db()
    assert topic.is_locked
    assert AuditEntry.objects.filter(action="lock", topic=topic).count() == 1

    context = browser.new_context(java_script_enabled=False)
    other = context.new_page()
    sign_in(other, participant)
    other.goto(f"{site}{topic.get_absolute_url()}")
    text = other.locator("main").inner_text()
    assert "Topic locked" in text
    assert "Locked by Mira Sol on" in text
    closing = other.locator(".closing-note [data-user-content]")
    assert closing.locator("strong").inner_text() == "summary"
    assert other.locator("form.post-form").count() == 0
    assert other.get_by_role("link", name="Reply").count() == 0
    assert other.get_by_role("link", name="Quote").count() == 0
    screenshot(other, "moderation-locked-seen-by-participant")
    context.close()
    assert Topic.objects.get(pk=topic.pk).post_count == 2


@pytest.mark.parametrize("width", [375, 1280])
def test_reply_pin_and_hide_without_javascript(
    browser, site, sign_in, screenshot, width
):
    """Without JavaScript: a participant replies to a post through its Reply link;
    the facilitator pins the topic and hides that reply with a reason; the
    participant then sees the placeholder and the topic pinned in its category."""
    topic = TopicFactory(title="Market stalls and mediators")
    facilitator = make_facilitator(topic.category, display_name="Mira Sol")
    participant = UserFactory(display_name="Jonas Berg")
    first = ReplyFactory(topic=topic, body="The stall fees went up again.")
    viewport = {"width": width, "height": 900}

    context = browser.new_context(java_script_enabled=False, viewport=viewport)
    page = context.new_page()
    sign_in(page, participant)
    page.goto(f"{site}{topic.get_absolute_url()}")
    follow(page.locator(f"#p{first.pk}").get_by_role("link", name="Reply"))
    assert page.locator("input[name=parent]").input_value() == str(first.pk)
    page.get_by_label("Message").fill("Who decided the new fees?")
    follow(page.get_by_role("button", name="Post reply"))
    reply = Post.objects.get(author=participant)
    assert reply.parent_id == first.pk
    screenshot(page, f"moderation-nojs-reply-{width}")

    desk_context = browser.new_context(java_script_enabled=False, viewport=viewport)
    desk = desk_context.new_page()
    sign_in(desk, facilitator)
    desk.goto(f"{site}{topic.get_absolute_url()}")
    desk.locator("summary", has_text="Facilitator tools").click()
    follow(desk.get_by_role("button", name="Pin topic"))
    assert Topic.objects.get(pk=topic.pk).is_pinned
    follow(desk.locator(f"#p{reply.pk}").get_by_role("link", name="Hide"))
    follow(desk.get_by_role("button", name=re.compile("^Hide")))
    assert desk.locator(".errorlist").count() == 1  # a reason is required
    screenshot(desk, f"moderation-nojs-hide-reason-error-{width}")
    desk.get_by_label(re.compile("Reason")).fill("Names a stallholder's debts.")
    follow(desk.get_by_role("button", name=re.compile("^Hide")))
    reply.refresh_from_db()
    assert reply.is_hidden
    assert "Names a stallholder's debts." in desk.locator(f"#p{reply.pk}").inner_text()
    assert AuditEntry.objects.filter(action="hide", post=reply).count() == 1
    screenshot(desk, f"moderation-nojs-hidden-facilitator-{width}")
    desk_context.close()

    page.goto(f"{site}{topic.get_absolute_url()}")
    article = page.locator(f"#p{reply.pk}")
    # The author sees the hidden post with the reason; others see a placeholder.
    assert "Names a stallholder's debts." in article.inner_text()
    page.goto(f"{site}{topic.category.get_absolute_url()}")
    row = page.locator("tr", has_text="Market stalls and mediators")
    assert row.locator(".tag", has_text="Pinned").count() == 1
    screenshot(page, f"moderation-nojs-category-pinned-{width}")
    context.close()

    visitor_context = browser.new_context(java_script_enabled=False, viewport=viewport)
    visitor = visitor_context.new_page()
    visitor.goto(f"{site}{topic.get_absolute_url()}")
    text = visitor.locator(f"#p{reply.pk}").inner_text()
    assert "This post was hidden by a facilitator." in text
    assert "Who decided the new fees?" not in text
    visitor_context.close()
