"""A facilitator's follow-up question and the participant's answer, in a real
browser without JavaScript."""

import re

import pytest

from forum.models import Post
from tests.factories import TopicFactory, UserFactory, make_facilitator

from .conftest import follow

pytestmark = pytest.mark.browser

NOTICE = "A facilitator asked you a question"


def new_tab(browser):
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(15_000)
    return context, context.new_page()


def test_facilitator_follows_up_and_the_participant_answers(
    browser, site, nojs_page, sign_in, screenshot
):
    """The participant's post reaches the facilitator's queue; the facilitator's
    "Follow up" asks them a question; the participant is told on the topic page,
    answers through "Answer it", the notice goes and the question says
    "answered"."""
    topic = TopicFactory(
        title="Water points and trust",
        body="Welcome. Start with the questions below.",
        prompts=["Who looks after the water points?", "What would you change?"],
    )
    facilitator = make_facilitator(topic.category, display_name="Mira Sol")
    participant = UserFactory(display_name="Jonas Berg")
    topic_url = f"{site}{topic.get_absolute_url()}"

    # The participant posts, answering the first question.
    page = nojs_page
    sign_in(page, participant)
    page.goto(topic_url)
    assert "Questions in this dialogue" in page.locator("main").inner_text()
    page.get_by_label("Who looks after the water points?").check()
    page.fill("#id_body", "Nobody, since the committee stopped meeting.")
    follow(page.get_by_role("button", name="Post reply"))
    post = Post.objects.get(body="Nobody, since the committee stopped meeting.")
    assert [p.text for p in post.prompts.all()] == ["Who looks after the water points?"]
    screenshot(page, "facilitation-participant-posts")

    # The facilitator finds it in the queue and follows up.
    context, desk = new_tab(browser)
    sign_in(desk, facilitator)
    desk.goto(f"{site}/moderation/")
    item = desk.locator(f'.queue-item[data-post="{post.pk}"]')
    assert "Nobody, since the committee stopped meeting." in item.inner_text()
    screenshot(desk, "facilitation-queue")
    follow(item.get_by_role("link", name=re.compile(r"^Follow up")))
    box = desk.get_by_label("This is a follow-up question to Jonas Berg")
    box.check()
    assert box.is_checked()
    body = desk.locator("#id_body")
    assert "Nobody, since the committee stopped meeting." in body.input_value()
    body.fill(body.input_value() + "When did the committee last meet, Jonas?")
    screenshot(desk, "facilitation-follow-up-form")
    follow(desk.get_by_role("button", name="Post reply"))
    question = Post.objects.get(
        body__endswith="When did the committee last meet, Jonas?"
    )
    assert question.follow_up_for_id == participant.pk
    label = desk.locator(f"#p{question.pk} .follow-up-label")
    assert label.inner_text() == "Follow-up question to Jonas Berg · awaiting an answer"
    assert NOTICE not in desk.locator("main").inner_text()

    # The participant signs in again, is told, and answers.
    answer_context, reader = new_tab(browser)
    sign_in(reader, participant)
    reader.goto(topic_url)
    notice = reader.locator(".follow-up-note")
    assert NOTICE in notice.inner_text()
    screenshot(reader, "facilitation-follow-up-notice")
    follow(notice.get_by_role("link", name="Answer it"))
    body = reader.locator("#id_body")
    assert "When did the committee last meet, Jonas?" in body.input_value()
    body.fill(body.input_value() + "Two years ago, before the flood.")
    follow(reader.get_by_role("button", name="Post reply"))
    answer = Post.objects.get(body__endswith="Two years ago, before the flood.")
    assert answer.parent_id == question.pk

    reader.goto(topic_url)
    assert reader.locator(".follow-up-note").count() == 0
    assert NOTICE not in reader.locator("main").inner_text()
    label = reader.locator(f"#p{question.pk} .follow-up-label")
    assert label.inner_text() == "Follow-up question to Jonas Berg · answered"
    screenshot(reader, "facilitation-follow-up-answered")

    desk.goto(f"{site}/moderation/")
    assert desk.locator(f'.queue-item[data-post="{question.pk}"]').count() == 0
    answer_context.close()
    context.close()
