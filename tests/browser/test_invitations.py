"""A facilitator invites people to a members-only dialogue from its
participation page, and a newcomer signs up through the emailed link and
joins: on a phone, with and without JavaScript; with it, each page passes
axe (which needs it to run)."""

import re

import pytest
from django.core import mail

from forum.models import Category
from moderation.models import Member
from tests.factories import CategoryFactory, TopicFactory, make_facilitator
from tests.helpers import configure

from .conftest import follow
from .test_accessibility import axe_source, axe_violations  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 900}


def phone_tab(browser, javascript: bool):
    context = browser.new_context(
        java_script_enabled=javascript, viewport=PHONE, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(15_000)
    return context, context.new_page()


@pytest.mark.parametrize("javascript", [False, True], ids=["nojs", "js"])
def test_facilitator_invites_and_a_newcomer_joins(
    browser,
    site,
    sign_in,
    screenshot,
    axe_source,  # noqa: F811
    javascript,
):
    """The facilitator pastes two addresses and sees them pending; the newcomer
    opens the emailed link, signs up with the address filled in, accepts and
    lands on the dialogue as a member; the link then says it was used."""

    def passes_axe(page) -> bool:
        return not javascript or axe_violations(page, axe_source) == []

    mode = "js" if javascript else "nojs"
    category = configure(
        CategoryFactory(name="Neighbours", slug="neighbours"),
        visibility=Category.Visibility.PRIVATE,
    )
    facilitator = make_facilitator(category, display_name="Mira Sol")
    dialogue = TopicFactory(
        category=category, author=facilitator, title="Trust in towns"
    )

    context, desk = phone_tab(browser, javascript)
    sign_in(desk, facilitator)
    desk.goto(f"{site}/moderation/t/{dialogue.pk}/participation/")
    desk.get_by_label("Email addresses or usernames").fill(
        "newcomer@example.org\nsecond@example.org"
    )
    follow(desk.get_by_role("button", name="Send invitations"))
    main = desk.locator("main").inner_text()
    assert "Invitations sent to 2 people" in main
    pending = desk.locator("#pending-invitations")
    assert "newcomer@example.org" in pending.inner_text()
    screenshot(desk, f"invitations-sent-{mode}-375")
    assert passes_axe(desk)
    context.close()

    (message,) = [m for m in mail.outbox if m.to == ["newcomer@example.org"]]
    path = re.search(r"https?://[^/]+(/invitations/[\w-]+/)", message.body).group(1)

    context, tab = phone_tab(browser, javascript)
    tab.goto(f"{site}{path}")
    assert "Mira Sol invites you to take part in the dialogue" in (
        tab.locator("main").inner_text()
    )
    screenshot(tab, f"invitation-page-{mode}-375")
    assert passes_axe(tab)
    follow(tab.get_by_role("button", name="Sign up to accept"))
    assert tab.locator("#id_email").input_value() == "newcomer@example.org"
    tab.fill("#id_username", "newcomer")
    tab.fill("#id_password1", "a-long-passphrase-42")
    tab.fill("#id_password2", "a-long-passphrase-42")
    follow(
        tab.locator("form", has=tab.locator("#id_username")).get_by_role(
            "button", name="Sign up"
        )
    )
    assert tab.url == f"{site}{path}"
    follow(tab.get_by_role("button", name="Accept and join"))
    assert tab.url == f"{site}{dialogue.get_absolute_url()}"
    assert "you are now a member of “Neighbours”" in tab.locator("main").inner_text()
    assert Member.objects.filter(user__username="newcomer", category=category).exists()
    screenshot(tab, f"invitation-accepted-{mode}-375")

    tab.goto(f"{site}{path}")
    assert "This invitation has already been used" in tab.locator("main").inner_text()
    assert passes_axe(tab)
    context.close()
