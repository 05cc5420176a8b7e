"""WCAG 2.2 AA checks with axe-core on the demo forum's main pages.

axe-core is the npm package pinned in package-lock.json (`npm ci`, run by
`make test`). Each page is checked in the light and the dark colour scheme, at
375 px and 1280 px wide, and must have no violation of the WCAG 2.0, 2.1 and 2.2
A and AA rules. Each page is loaded once and the four are emulated on it in turn
(the colour scheme and the width change only what the stylesheet applies: no
script of the site reads them). The checks skip without node_modules/axe-core,
except on CI (CI=true), where that fails the run.

Besides the automated rules, the tests check what axe cannot: the thread's
structure is given to assistive technology (nested lists, levels, "in reply to"),
the skip link leads to the main content, and the focus is visible.
"""

import json
import os
import re
from pathlib import Path

import pytest

from accounts.models import User
from demo.seed import seed_demo
from forum.models import Category, Post, Topic
from tests.factories import (
    ReplyFactory,
    TopicFactory,
    UserFactory,
    add_authenticator_app,
)

from .conftest import follow

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PASSWORDS = {
    "admin": "admin-demo-pass",
    "facilitator": "facilitator-demo-pass",
    "participant": "participant-demo-pass",
}
SCHEMES = ["light", "dark"]
WIDTHS = [375, 1280]
HEIGHT = 900


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        reason = f"{AXE} is missing: run `npm ci` (make test does)"
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"CI=true but the accessibility checks cannot run: {reason}")
        pytest.skip(f"accessibility checks skipped: {reason}")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def demo(site):
    """The demo forum, as `manage.py seed_demo` makes it, its facilitator and admin
    having set up their authenticator app (on first sign-in, in the demo)."""
    assert seed_demo()
    for username in ["facilitator", "admin"]:
        add_authenticator_app(User.objects.get(username=username))
    locked = Topic.objects.get(is_locked=True, category__slug="dialogues")
    open_dialogue = Topic.objects.filter(is_locked=False, category__slug="dialogues")
    return {
        "locked": locked,
        "open": open_dialogue.order_by("-pk").first(),
        "post": Post.objects.filter(topic=locked, parent__isnull=False)
        .order_by("position")
        .first(),
        "participant": User.objects.get(username="participant"),
        "admin": User.objects.get(username="admin"),
    }


def axe_violations(page, axe_source: str) -> list[dict]:
    """Run axe-core on the page; return its violations, trimmed for reading."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({
                    target: n.target.join(" "), summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_TAGS,
    )
    return result


def visit(page, url: str, *, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response)


SHOTS = {
    "index",
    "category",
    "topic threaded",
    "topic flat",
    "reply form with errors",
    "sign up with errors",
    "topic with facilitator tools",
    "dashboard queue",
    "participation",
    "profile",
}


def check(page, axe_source, label: str, failures: dict, shoot=None) -> None:
    """Check the page in each colour scheme at each width."""
    page.wait_for_load_state()
    assert page.locator("main#main").count() == 1, f"{label}: no main landmark"
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT})
            if shoot and label in SHOTS:
                shoot(page, f"demo-{label}-{scheme}-{width}")
            violations = axe_violations(page, axe_source)
            if violations:
                failures[f"{label}, {scheme}, {width} px ({page.url})"] = violations


def new_page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": HEIGHT},
        locale="en-GB",
        color_scheme="light",
        bypass_csp=True,  # axe-core is injected into pages whose policy forbids it
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def report(failures: dict) -> str:
    return json.dumps(failures, indent=1, ensure_ascii=False)


def test_pages_have_no_wcag_violations(
    browser, site, demo, sign_in, axe_source, screenshot
):
    """Index, category, topic (threaded and flat), sign up, sign in, search, a
    profile, a reply form showing errors, and every facilitator page."""
    failures: dict = {}

    locked, open_dialogue = demo["locked"], demo["open"]
    category = Category.objects.get(slug="dialogues")

    # A visitor.
    context, page = new_page(browser)
    for label, path in [
        ("index", "/"),
        ("category", category.get_absolute_url()),
        ("topic threaded", locked.get_absolute_url()),
        ("sign up", "/accounts/signup/"),
        ("sign in", "/accounts/login/"),
        ("search", "/search/?q=trust"),
        ("profile", f"/u/{demo['participant'].username}/"),
        ("not found", "/t/999999/"),
    ]:
        visit(page, f"{site}{path}", status=404 if label == "not found" else 200)
        check(page, axe_source, label, failures, screenshot)
    page.goto(f"{site}{locked.get_absolute_url()}")
    follow(page.get_by_role("button", name="Flat, by time"))
    check(page, axe_source, "topic flat", failures, screenshot)
    # The fields' own checks (required, email) pass; the server's do not.
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_username", demo["participant"].username)
    page.fill("#id_email", "someone@example.org")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "different")
    follow(
        page.locator("form", has=page.locator("#id_username")).locator(
            "button[type=submit]"
        )
    )
    assert page.locator(".errorlist").count() >= 1, "the sign-up shows no error"
    check(page, axe_source, "sign up with errors", failures, screenshot)
    context.close()

    # A participant: reply form with errors, settings.
    context, page = new_page(browser)
    sign_in(page, demo["participant"], password=PASSWORDS["participant"])
    page.goto(f"{site}{open_dialogue.get_absolute_url()}")
    check(page, axe_source, "open dialogue, participant", failures)
    page.goto(f"{site}/t/{open_dialogue.pk}/reply/")
    follow(page.get_by_role("button", name="Post reply"))
    assert page.locator(".errorlist").count() >= 1, "the empty reply shows no error"
    check(page, axe_source, "reply form with errors", failures, screenshot)
    page.goto(f"{site}/accounts/profile/")
    check(page, axe_source, "settings", failures)
    page.goto(f"{site}/moderation/my-reports/")
    check(page, axe_source, "my reports", failures)
    for label, path in [
        ("notifications", "/notifications/"),
        ("notification settings", "/notifications/settings/"),
        ("two-factor sign-in", "/accounts/2fa/"),
        ("authenticator app setup", "/accounts/2fa/totp/activate/"),
        ("watch a topic", f"/t/{open_dialogue.pk}/watch/"),
        ("watch a category", f"/c/{category.slug}/watch/"),
        ("search results", "/search/?q=trust"),
        ("search with an error", "/search/?q=" + "x" * 501),
    ]:
        page.goto(f"{site}{path}")
        check(page, axe_source, label, failures)
    context.close()

    # A facilitator: the topic with its tools open, and the facilitation pages.
    context, page = new_page(browser)
    sign_in(
        page,
        User.objects.get(username="facilitator"),
        password=PASSWORDS["facilitator"],
    )
    page.goto(f"{site}{open_dialogue.get_absolute_url()}")
    page.locator("summary", has_text="Facilitator tools").click()
    check(page, axe_source, "topic with facilitator tools", failures, screenshot)
    post = Post.objects.filter(topic=open_dialogue, parent__isnull=False).first()
    for label, path in [
        ("dashboard queue", "/moderation/"),
        ("participation", f"/moderation/t/{locked.pk}/participation/"),
        ("notes", f"/moderation/t/{locked.pk}/notes/"),
        ("summary", f"/moderation/t/{locked.pk}/summary/"),
        ("dialogue settings", f"/moderation/t/{open_dialogue.pk}/dialogue/"),
        ("hide form", f"/moderation/p/{post.pk}/hide/"),
        ("note form", f"/moderation/p/{post.pk}/note/"),
        ("reports", "/moderation/reports/"),
        ("approvals", "/moderation/approvals/"),
        ("log", "/moderation/log/"),
        ("members", f"/moderation/c/{category.slug}/members/"),
        ("post history", f"/p/{post.pk}/history/"),
        ("edit post", f"/p/{post.pk}/edit/"),
        ("new topic", f"/c/{category.slug}/new/"),
    ]:
        visit(page, f"{site}{path}", status=404 if label == "not found" else 200)
        check(page, axe_source, label, failures, screenshot)
    context.close()

    # An admin: the users' list and a user's page.
    context, page = new_page(browser)
    sign_in(page, demo["admin"], password=PASSWORDS["admin"])
    for label, path in [
        ("users", "/moderation/users/"),
        ("user detail", f"/moderation/users/{demo['participant'].pk}/"),
    ]:
        visit(page, f"{site}{path}", status=404 if label == "not found" else 200)
        check(page, axe_source, label, failures, screenshot)
    context.close()

    assert not failures, report(failures)


def test_thread_structure_reaches_assistive_technology(page, site, sign_in):
    """Threaded: a list whose items carry their level, each post an article named
    by its heading, each reply saying which post it answers (visually or not)."""
    topic = TopicFactory(title="Benches in the square")
    amara = UserFactory(display_name="Amara Okafor")
    bruno = UserFactory(display_name="Bruno Lind")
    top = ReplyFactory(topic=topic, author=amara, body="Benches first.")
    child = ReplyFactory(topic=topic, author=bruno, parent=top, body="And shade.")
    grandchild = ReplyFactory(topic=topic, author=amara, parent=child, body="Trees!")

    page.goto(f"{site}{topic.get_absolute_url()}")
    levels = page.eval_on_selector_all(
        ".thread > ol.posts > li",
        "items => items.map(li => [li.querySelector('article').id,"
        " li.getAttribute('aria-level')])",
    )
    assert levels == [
        [f"p{topic.first_post_id}", "1"],
        [f"p{top.pk}", "1"],
        [f"p{child.pk}", "2"],
        [f"p{grandchild.pk}", "3"],
    ]
    for post, answered in [(child, "Amara Okafor"), (grandchild, "Bruno Lind")]:
        heading = page.locator(f"#s{post.pk}").inner_text()
        assert page.get_by_role("article", name=heading, exact=True).count() >= 1
        snapshot = page.locator(f"#p{post.pk}").aria_snapshot()
        flat = " ".join(snapshot.split())
        assert f'text: In reply to - link "{answered}"' in flat, snapshot
    assert page.get_by_role("list", name="Posts, threaded").count() == 1
    assert (
        page.get_by_role("heading", level=1, name="Benches in the square").count() == 1
    )


def test_skip_link_visible_focus_and_a_reply_by_keyboard_alone(page, site, sign_in):
    """The first Tab shows the skip link, which moves focus to the main content;
    focused controls get a visible outline; a reply is written and posted with the
    keyboard alone."""
    topic = TopicFactory(title="Benches in the square")
    member = UserFactory(display_name="Chen Wei")
    sign_in(page, member)
    page.goto(f"{site}{topic.get_absolute_url()}")

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    def focused_outline() -> tuple[str, float]:
        style, width = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        return style, width

    def tab_to(predicate: str, limit: int = 200) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(
                f"() => {{ const el = document.activeElement; return {predicate}; }}"
            ):
                return
        raise AssertionError(f"Tab never reached {predicate}")

    tab_to("el.tagName === 'A'")
    style, width = focused_outline()
    assert style != "none" and width >= 2, (style, width)

    tab_to("el.name === 'body'")
    style, width = focused_outline()
    assert style != "none" and width >= 2, (style, width)
    page.keyboard.type("Typed and posted without a mouse.")
    tab_to("el.tagName === 'BUTTON' && el.textContent.trim() === 'Post reply'")
    style, width = focused_outline()
    assert style != "none" and width >= 2, (style, width)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#p\d+$"))
    assert Post.objects.filter(
        author=member, body="Typed and posted without a mouse."
    ).exists()


def test_locked_dialogue_prints_without_navigation_or_forms(
    browser, site, demo, screenshot
):
    """The print stylesheet keeps the dialogue and drops the page's controls."""
    context, page = new_page(browser)
    visit(page, f"{site}{demo['locked'].get_absolute_url()}")
    page.emulate_media(media="print")
    for hidden in [
        "header.site-header",
        ".view-switch",
        ".breadcrumbs",
        "footer.site-footer",
    ]:
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("article.post").first.is_visible()
    assert page.locator(".summary").is_visible()
    assert page.locator(".locked-note").is_visible()
    assert page.locator("article.post .permalink").first.is_visible()
    assert (
        page.locator("article.post .post-actions a:not(.permalink)").first.is_visible()
        is False
    )
    screenshot(page, "demo-topic-print")
    assert len(page.pdf(format="A4")) > 10_000
    context.close()
