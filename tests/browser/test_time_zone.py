"""A new account's time zone: the browser's where JavaScript runs, the one the
person chooses at sign-up otherwise."""

import pytest

from accounts.models import User

from .conftest import follow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("javascript", "zone"), [(True, "Europe/Paris"), (False, "America/Bogota")]
)
def test_sign_up_takes_the_browsers_time_zone(
    browser, site, screenshot, javascript, zone
):
    """Signing up in a browser set to Europe/Paris gives the account that zone;
    without JavaScript the person chooses theirs in the form."""
    context = browser.new_context(
        java_script_enabled=javascript,
        timezone_id="Europe/Paris",
        locale="en-GB",
        viewport={"width": 375, "height": 800},
    )
    page = context.new_page()
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", "a-long-enough-secret-42")
    page.fill("#id_password2", "a-long-enough-secret-42")
    if not javascript:
        assert page.input_value("#id_browser_time_zone") == "UTC"
        page.select_option("#id_browser_time_zone", "America/Bogota")
        screenshot(page, "sign-up-time-zone-without-javascript")
    follow(
        page.locator("form", has=page.locator("#id_username")).locator(
            "button[type=submit]"
        )
    )
    context.close()
    assert User.objects.get(username="newcomer").time_zone == zone
