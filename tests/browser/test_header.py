"""The signed-in header at desktop width."""

import pytest

from forum import services
from tests.factories import TopicFactory, UserFactory, make_facilitator

pytestmark = pytest.mark.browser


def test_signed_in_header_fits_one_row_at_1280(page, site, sign_in, screenshot):
    """With every link an admin who facilitates has (name, notifications with
    a count, settings, facilitation, admin, sign out) and the search box, the
    header is one row at 1280 px."""
    topic = TopicFactory(title="Councils and trust")
    admin = make_facilitator(
        topic.category,
        is_staff=True,
        username="mira",
        display_name="Mira Sol-Okonkwo",
    )
    mine = services.post_reply(topic=topic, author=admin, body="My view.")
    for _ in range(12):
        services.post_reply(
            topic=topic, author=UserFactory(), body="Agreed.", parent=mine
        )
    sign_in(page, admin)
    page.goto(f"{site}/")
    header = page.locator("header.site-header .header-inner")
    parts = [
        header.locator(".site-name"),
        header.locator(".header-search"),
        *header.locator(".account-nav > li").all(),
    ]
    assert len(parts) == 8
    assert page.locator(".badge-unread").count() == 1
    screenshot(page, "header-signed-in-1280", width=1280)
    boxes = [part.bounding_box() for part in parts]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert max(middles) - min(middles) < 12, middles
    screenshot(page, "header-signed-in-375", width=375)
    assert page.locator(".account-nav").bounding_box()["width"] <= 375
