"""The hostile corpus in a real browser: a topic holding every hostile body as a
reply is read with JavaScript on, the pointer moving over every post, and nothing
the posts carry runs.

A trap is installed before any page script: ``window.__pwned`` latches true once
anything sets it (every runnable payload tries to), alert, confirm, prompt and
print set it too, and each Content-Security-Policy violation is recorded. The
page is read twice: as served, where no violation may happen (the sanitiser
leaves the CSP nothing to block), and with the CSP bypassed, so that only the
sanitiser stands between the payloads and the reader.
"""

import pytest

from forum import services
from tests.factories import CategoryFactory, TopicFactory, UserFactory
from tests.security.hostile_corpus import CORPUS, HOSTILE_NAME, HOSTILE_SIGNATURE

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 900}  # as the page fixture's

TRAP = """
(() => {
  let pwned = false;
  Object.defineProperty(window, "__pwned", {
    get() { return pwned; },
    set(value) { if (value) pwned = true; },
    configurable: false,
  });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function () { pwned = true; };
  }
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(
      `${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    );
  });
})();
"""


POST_BOXES = """() => [...document.querySelectorAll("article.post")].map((post) => {
  const box = post.getBoundingClientRect();
  return [box.left, box.top + window.scrollY, box.width, box.height];
})"""
SCROLL_TO = "(y) => { window.scrollTo(0, y); return window.scrollY; }"
DISPATCH_EVENTS = """() => {
  const kinds = ["pointerover", "pointerenter", "mouseover", "mouseenter",
                 "mousemove", "focus", "focusin", "animationstart", "toggle"];
  for (const element of document.querySelectorAll("article.post *")) {
    for (const kind of kinds) {
      element.dispatchEvent(new Event(kind, { bubbles: true }));
    }
  }
}"""

CONTROL_PAYLOAD = """() => {
  const image = document.createElement("img");
  image.setAttribute("onerror", "window.__pwned = true");
  image.src = "data:,not-an-image";
  document.body.append(image);
}"""


@pytest.fixture
def hostile_topic(site, settings):
    """A topic whose replies are the whole hostile corpus, all on one page, by
    a member whose display name and signature are hostile too."""
    settings.FORUM_POSTS_PER_PAGE = len(CORPUS) + 10
    author = UserFactory(display_name=HOSTILE_NAME, signature=HOSTILE_SIGNATURE)
    topic = TopicFactory(
        category=CategoryFactory(name="Dialogues", slug="dialogues"),
        author=UserFactory(display_name="Tomás Varga"),
        title="Anything goes",
        body="Post what you like.",
    )
    for _, body in CORPUS:
        services.post_reply(topic=topic, author=author, body=body)
    topic.refresh_from_db()
    return topic


def read_every_page(page, site, topic) -> dict:
    """Open each page of the topic, move the pointer over every post and tab
    through the page; return what the trap saw."""
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(TRAP)
    seen_posts = 0
    violations: list[str] = []
    pwned = False
    number = 1
    while True:
        response = page.goto(f"{site}{topic.get_absolute_url()}?page={number}")
        if response.status == 404 and number > 1:
            break
        assert response.status == 200, response.status
        page.wait_for_load_state("load")
        boxes = page.evaluate(POST_BOXES)
        seen_posts += len(boxes)
        for left, top, width, height in boxes:
            # Scroll the post in, then sweep the pointer across its visible part.
            scrolled = page.evaluate(SCROLL_TO, max(top - 20, 0))
            upper = max(top - scrolled, 0)
            lower = min(top - scrolled + height, VIEWPORT["height"])
            page.mouse.move(left + 5, upper + 5)
            page.mouse.move(left + width - 5, lower - 5, steps=2)
        # Then every element inside the posts gets the pointer and focus events
        # a reader could cause, in case the sweep missed one.
        page.evaluate(DISPATCH_EVENTS)
        for _ in range(15):
            page.keyboard.press("Tab")
        page.wait_for_timeout(300)
        pwned = pwned or page.evaluate("window.__pwned")
        violations += page.evaluate("window.__violations")
        number += 1
    return {
        "pages": number - 1,
        "posts": seen_posts,
        "pwned": pwned,
        "dialogs": dialogs,
        "violations": violations,
        "errors": errors,
    }


def test_hostile_posts_run_nothing_with_javascript_on(
    browser, page, site, hostile_topic, capsys
):
    """With JavaScript on, reading the hostile topic sets no trap, opens no
    dialog and raises no error; the CSP never has a script to block, and with
    the CSP bypassed still nothing runs."""
    served = read_every_page(page, site, hostile_topic)

    context = browser.new_context(
        java_script_enabled=True,
        bypass_csp=True,
        viewport=VIEWPORT,
        locale="en-GB",
    )
    try:
        unguarded_page = context.new_page()
        bypassed = read_every_page(unguarded_page, site, hostile_topic)
        # The control: an inline handler that does reach this page trips the trap.
        unguarded_page.evaluate(CONTROL_PAYLOAD)
        unguarded_page.wait_for_timeout(300)
        control_tripped = unguarded_page.evaluate("window.__pwned")
    finally:
        context.close()

    for reading in (served, bypassed):
        assert reading["posts"] == len(CORPUS) + 1
        assert reading["pwned"] is False
        assert reading["dialogs"] == []
        assert reading["errors"] == []
    assert served["violations"] == []
    assert control_tripped is True, "the trap missed a handler that ran"
    with capsys.disabled():
        print(
            f"\nhostile page: {served['posts']} posts on {served['pages']} page(s), "
            "read with the CSP and without it: nothing ran, no dialog, no CSP "
            "violation"
        )
