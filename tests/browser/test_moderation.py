"""A facilitator closes a dialogue in a real browser, without JavaScript."""

import pytest

from forum.models import Topic
from moderation.models import AuditEntry
from tests.factories import ReplyFactory, TopicFactory, UserFactory, make_facilitator

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
    page.get_by_role("button", name="Lock topic").click()
    page.wait_for_load_state()
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
