"""An admin cleans up a spam run without JavaScript: asked first, then undone."""

import pytest

from tests.factories import ReplyFactory, TopicFactory, UserFactory
from tests.helpers import fresh

from .conftest import follow

pytestmark = pytest.mark.browser


def test_bulk_suspension_asks_first_and_lifting_it_unhides_the_posts(
    site, nojs_page, sign_in, screenshot
):
    """The users page's bulk action leads to a page naming each account and its
    posts; only its button suspends; lifting a suspension offers to unhide."""
    topic = TopicFactory(title="Markets and bridges")
    spammers = [
        UserFactory(username="cheapwatches", display_name="Cheap Watches"),
        UserFactory(username="casino99", display_name="Casino 99"),
    ]
    spam = [
        ReplyFactory(topic=topic, author=spammers[0], body="Buy watches"),
        ReplyFactory(topic=topic, author=spammers[0], body="More watches"),
        ReplyFactory(topic=topic, author=spammers[1], body="Play now"),
    ]
    admin = UserFactory(is_staff=True, username="ada", display_name="Ada Admin")
    page = nojs_page
    sign_in(page, admin)
    page.goto(f"{site}/moderation/users/")
    for spammer in spammers:
        page.check(f"#u{spammer.pk}")
    page.fill("#bulk-reason", "Spam run")
    follow(page.get_by_role("button", name="Suspend selected and hide all their posts"))

    main = page.locator("main")
    assert "Suspend these 2 accounts and hide their posts?" in main.inner_text()
    rows = main.locator("table.bulk-suspend tbody tr")
    assert [r.inner_text().split() for r in rows.all()] == [
        ["Casino", "99", "@casino99", "1"],
        ["Cheap", "Watches", "@cheapwatches", "2"],
    ]
    assert not any(fresh(u).is_suspended for u in spammers)
    screenshot(page, "bulk-suspend-confirm-375", width=375)
    screenshot(page, "bulk-suspend-confirm-1280", width=1280)

    follow(page.get_by_role("button", name="Suspend and hide"))
    assert "2 account(s) suspended and 3 post(s) hidden." in page.content()
    assert all(fresh(post).is_hidden for post in spam)

    page.goto(f"{site}/moderation/users/{spammers[0].pk}/")
    box = page.get_by_label("Also unhide the 2 posts hidden with this suspension")
    assert box.is_checked()
    follow(page.get_by_role("button", name="Lift suspension"))
    assert "Suspension lifted." in page.content()
    assert not fresh(spam[0]).is_hidden and not fresh(spam[1]).is_hidden
    assert fresh(spam[2]).is_hidden
