"""Fixtures for the browser journeys: Debian's chromium driven by playwright.

The site runs in pytest-django's live server (a thread of this process), so the
tests share its database and ``mail.outbox``. Chromium is never downloaded: the
tests use /usr/bin/chromium and skip without it, except on CI (CI=true), where a
missing browser fails the run.
"""

import os
import re
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import TOTP_SECRET
from tests.totp import totp_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"  # the password of every factory user
TIMEOUT_MS = 15_000


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _missing_browser_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip the browser journeys without a browser, unless CI demands them."""
    reason = _missing_browser_reason()
    if reason is None or _on_ci():
        return
    skip = pytest.mark.skip(reason=f"browser journeys skipped: {reason}")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def browser():
    """One headless chromium for the browser journeys.

    While playwright's sync API is started, its event loop runs in this thread, so
    Django takes every ORM call made here (factories, assertions, the flush between
    transactional tests) for a call from async code and refuses it. Those calls are
    plain synchronous ones, so the guard is lifted for exactly as long as playwright
    runs: package scope stops it, and restores the guard, before other tests run.
    """
    reason = _missing_browser_reason()
    if reason is not None:
        if _on_ci():
            pytest.fail(f"CI=true but the browser journeys cannot run: {reason}")
        pytest.skip(f"browser journeys skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def site(transactional_db, live_server):
    """The live site's base URL, its data visible to the test and the browser.

    transactional_db (rather than the autouse ``db`` of tests/conftest.py, which it
    overrides) commits what factories create, so the live server's thread sees it.
    """
    return live_server.url


def _new_context(browser, *, javascript: bool, width: int):
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": 900},
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser, site):
    """A fresh browser tab with JavaScript on, 1280px wide."""
    context = _new_context(browser, javascript=True, width=1280)
    yield context.new_page()
    context.close()


@pytest.fixture
def nojs_page(browser, site):
    """A fresh browser tab with JavaScript off, 1280px wide."""
    context = _new_context(browser, javascript=False, width=1280)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, width: int | None = None) -> Path:
        if width is not None:
            page.set_viewport_size({"width": width, "height": 900})
        safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        path = SCREENSHOTS / f"{safe}.png"
        # The SQLite run writes the screenshots people look at; the PostgreSQL
        # run draws the same pages and keeps `make test` quick by not saving
        # them a second time (the page is still resized as the test asks).
        if connection.vendor != "postgresql":
            page.screenshot(path=str(path), full_page=True)
        return path

    return take


def follow(target) -> None:
    """Click a link or a submit button and wait until the page it leads to loads.

    A click returns once it is dispatched; the navigation it starts comes after,
    so a page read straight after the click (or after wait_for_load_state, which
    the old page already satisfies) may still be the old one.
    """
    with target.page.expect_navigation():
        target.click()


def pass_second_factor(page, *, secret: str = TOTP_SECRET) -> None:
    """On the sign-in's second step, type the authenticator app's code; nothing
    elsewhere. A code signs in once: if this one has just been used, the next
    30-second step's code is typed instead."""
    for _ in range(2):
        if "/2fa/authenticate/" not in page.url:
            return
        page.fill("#id_code", totp_code(secret))
        with page.expect_navigation():
            page.press("#id_code", "Enter")
        if "/2fa/authenticate/" in page.url:
            time.sleep(30 - time.time() % 30 + 0.5)


@pytest.fixture
def sign_in(site):
    """Sign a user in through the login form (works with or without JavaScript)."""

    def login(page, user, *, password: str = PASSWORD) -> None:
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_login", user.username)
        page.fill("#id_password", password)
        follow(
            page.locator("form", has=page.locator("#id_login")).locator(
                "button[type=submit]"
            )
        )
        pass_second_factor(page)
        header = page.locator("header.site-header")
        assert header.get_by_role("button", name="Sign out").count() == 1, (
            f"{user.username} did not get signed in; page is {page.url}"
        )

    return login
