"""A new account's time zone comes from the browser, where JavaScript runs."""

import pytest

from accounts.models import User

from .conftest import follow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("javascript", "zone"), [(True, "Europe/Paris"), (False, "UTC")]
)
def test_sign_up_takes_the_browsers_time_zone(browser, site, javascript, zone):
    """Signing up in a browser set to Europe/Paris gives the account that zone;
    without JavaScript the account starts in UTC."""
    context = browser.new_context(
        java_script_enabled=javascript, timezone_id="Europe/Paris", locale="en-GB"
    )
    page = context.new_page()
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", "a-long-enough-secret-42")
    page.fill("#id_password2", "a-long-enough-secret-42")
    follow(
        page.locator("form", has=page.locator("#id_username")).locator(
            "button[type=submit]"
        )
    )
    context.close()
    assert User.objects.get(username="newcomer").time_zone == zone
