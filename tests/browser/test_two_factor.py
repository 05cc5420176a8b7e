"""Two-factor sign-in in the browser: a facilitator without it is prompted and
refused their tools, sets up an authenticator app from the page (the code
computed here, as a phone would), and signs in with it afterwards."""

import pytest
from allauth.mfa.models import Authenticator

from tests.factories import CategoryFactory, TopicFactory, make_facilitator
from tests.totp import totp_code, wrong_code

from .conftest import PASSWORD, follow

pytestmark = pytest.mark.browser


def sign_in_with_password(page, site, user) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    follow(page.locator("form", has=page.locator("#id_login")).locator("button"))


@pytest.mark.parametrize("tab", ["page", "nojs_page"], ids=["js", "nojs"])
def test_facilitator_sets_up_an_authenticator_app_and_signs_in_with_it(
    request, tab, site, screenshot
):
    """The whole journey works with JavaScript on and off."""
    page = request.getfixturevalue(tab)
    category = CategoryFactory(name="Dialogues", slug="dialogues")
    facilitator = make_facilitator(
        category, second_factor=False, display_name="Mira Sol"
    )
    topic = TopicFactory(category=category, title="Trust in towns")

    sign_in_with_password(page, site, facilitator)
    prompt = page.locator("header .second-factor-prompt")
    assert "Set up two-factor sign-in" in prompt.inner_text()
    page.goto(f"{site}{topic.get_absolute_url()}")
    assert prompt.count() == 1
    assert page.get_by_text("Facilitator tools").count() == 0

    response = page.goto(f"{site}/moderation/")
    assert response.status == 403
    assert "Set up two-factor sign-in" in page.locator("main").inner_text()
    follow(page.locator("main").get_by_role("link", name="Set up two-factor sign-in"))
    assert page.url.endswith("/accounts/2fa/")
    screenshot(page, f"two-factor-00-index-375-{tab}", width=375)
    follow(page.get_by_role("link", name="Set up an authenticator app"))
    # allauth asks for the password again before any change to how one signs in.
    assert "/accounts/reauthenticate/" in page.url
    page.fill("#id_password", PASSWORD)
    follow(page.get_by_role("button", name="Confirm"))

    screenshot(page, f"two-factor-01-authenticator-app-375-{tab}", width=375)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375, f"the setup page is {width}px wide at 375px"
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1
    secret = page.inner_text("#authenticator_secret")
    page.fill("#id_code", totp_code(secret))
    follow(page.get_by_role("button", name="Activate"))

    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    codes = page.input_value("#recovery_codes").split()
    assert len(codes) == 10
    assert all(code.isdigit() and len(code) == 8 for code in codes)
    screenshot(page, f"two-factor-02-recovery-codes-375-{tab}", width=375)
    assert page.locator("header .second-factor-prompt").count() == 0
    assert Authenticator.objects.filter(user=facilitator).count() == 2

    follow(page.locator("header").get_by_role("button", name="Sign out"))
    sign_in_with_password(page, site, facilitator)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    assert page.locator("header").get_by_role("button", name="Sign out").count() == 0
    page.fill("#id_code", wrong_code(secret))
    follow(page.locator("main").get_by_role("button", name="Sign in"))
    assert "Incorrect code" in page.locator("main").inner_text()
    page.fill("#id_code", totp_code(secret))
    follow(page.locator("main").get_by_role("button", name="Sign in"))

    assert page.locator("header").get_by_role("button", name="Sign out").count() == 1
    assert page.locator("header .second-factor-prompt").count() == 0
    response = page.goto(f"{site}/moderation/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Facilitation dashboard"


def test_facilitator_adds_a_security_key_and_signs_in_with_it(page, site, screenshot):
    """Chromium's virtual authenticator (DevTools' WebAuthn domain) stands in for
    a USB key; the page's scripts run under the site's Content-Security-Policy."""
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    category = CategoryFactory()
    facilitator = make_facilitator(category, second_factor=False)

    sign_in_with_password(page, site, facilitator)
    page.goto(f"{site}/accounts/2fa/")
    follow(page.get_by_role("link", name="Add a security key"))
    page.fill("#id_password", PASSWORD)
    follow(page.get_by_role("button", name="Confirm"))
    assert page.url.endswith("/accounts/2fa/webauthn/add/")
    page.fill("#id_name", "Blue key")
    screenshot(page, "two-factor-03-security-key-375", width=375)
    follow(page.locator("#mfa_webauthn_add"))

    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    key = Authenticator.objects.get(user=facilitator, type="webauthn")
    assert str(key) == "Blue key"
    assert page.locator("header .second-factor-prompt").count() == 0

    follow(page.locator("header").get_by_role("button", name="Sign out"))
    sign_in_with_password(page, site, facilitator)
    assert page.url.endswith("/accounts/2fa/authenticate/")
    screenshot(page, "two-factor-04-second-step-375", width=375)
    follow(page.get_by_role("button", name="Use a security key"))

    assert page.locator("header").get_by_role("button", name="Sign out").count() == 1
    assert page.goto(f"{site}/moderation/").status == 200
    assert blocked == []
