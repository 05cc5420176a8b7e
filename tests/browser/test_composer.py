"""The composer in a browser: the toolbar's buttons and shortcuts insert the
markdown the preview renders; "Quoting NAME" posts what the plain form posts;
the help is there without JavaScript; axe finds nothing at 375 and 1280 px."""

import pytest

from forum.models import Post
from forum.quoting import quote_markdown
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory

from .conftest import follow
from .test_accessibility import axe_source, axe_violations  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def answered(site):
    topic = TopicFactory(
        category=CategoryFactory(name="Dialogues", slug="dialogues"),
        title="Trust in towns",
        body="How do we rebuild trust?",
    )
    return ReplyFactory(
        topic=topic,
        author=UserFactory(display_name="Arjun Menon"),
        body="\n\n".join(f"Point {n}: benches, shade and *time*." for n in range(12)),
    )


def select(page, start: int, end: int) -> None:
    page.eval_on_selector(
        "#id_body",
        "(el, [a, b]) => { el.focus(); el.setSelectionRange(a, b); }",
        [start, end],
    )


def test_toolbar_and_shortcuts_insert_what_the_preview_shows(
    page, site, answered, sign_in, screenshot
):
    page.set_viewport_size({"width": 375, "height": 900})
    member = UserFactory(display_name="Dana Petrova")
    sign_in(page, member)
    page.goto(f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}")
    # The answered post is shown whole, open.
    replying = page.locator("details.replying-to")
    assert replying.locator(".post-body p").last.is_visible()
    body = page.locator("#id_body")
    bar = page.get_by_role("toolbar", name="Formatting")
    assert bar.is_visible()
    tops = bar.get_by_role("button").evaluate_all(
        "buttons => buttons.map(b => b.getBoundingClientRect().top)"
    )
    assert len(set(tops)) == 1, "the toolbar wraps at 375 px"
    body.fill("trust matters")
    select(page, 0, 5)
    bar.get_by_role("button", name="Bold").click()
    assert body.input_value() == "**trust** matters"
    select(page, 10, 17)
    page.keyboard.press("Control+i")
    assert body.input_value() == "**trust** *matters*"
    page.keyboard.press("End")
    page.keyboard.type(" see ")
    page.keyboard.press("Control+k")
    page.keyboard.type("https://example.org/plan")
    assert body.input_value() == (
        "**trust** *matters* see [link text](https://example.org/plan)"
    )
    for button, lines, block in [
        ("Bulleted list", "benches\nshade", "plan)\n\n- benches\n- shade"),
        ("Numbered list", "first\nthen", "- shade\n\n1. first\n2. then"),
    ]:
        page.keyboard.press("End")
        page.keyboard.type("\n" + lines)
        text = body.input_value()
        select(page, text.index(lines), len(text))
        bar.get_by_role("button", name=button).click()
        assert body.input_value().endswith(block)
    page.keyboard.press("End")
    page.keyboard.type("\nsaid before")
    bar.get_by_role("button", name="Quote").click()
    assert body.input_value().endswith("2. then\n\n> said before")
    # One tab stop: the arrows move along the toolbar.
    bar.get_by_role("button", name="Bold").focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.format") == "italic"

    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator("section.preview [data-user-content]")
    preview.wait_for()
    assert preview.locator("strong", has_text="trust").count() == 1
    assert preview.locator("em", has_text="matters").count() == 1
    link = preview.get_by_role("link", name="link text")
    assert link.get_attribute("href") == "https://example.org/plan"
    assert preview.locator("ul li").all_inner_texts() == ["benches", "shade"]
    assert preview.locator("ol li").all_inner_texts() == ["first", "then"]
    assert preview.locator("blockquote", has_text="said before").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "composer-toolbar-preview-375")


def test_quoting_shows_the_name_and_posts_the_markdown(
    page, site, answered, sign_in, screenshot
):
    page.set_viewport_size({"width": 375, "height": 900})
    member = UserFactory(display_name="Dana Petrova")
    sign_in(page, member)
    topic_id = answered.topic_id
    page.goto(f"{site}/t/{topic_id}/reply/?parent={answered.pk}&quote={answered.pk}")
    card = page.locator("section.quoting")
    assert card.locator("h2").inner_text() == "Quoting Arjun Menon"
    assert "Point 11: benches, shade and time." in card.inner_text()
    assert card.locator("em", has_text="time").count() == 12
    body = page.locator("#id_body")
    assert body.input_value() == ""
    # The card shows the words: the answered post is folded, and unfolds whole.
    replying = page.locator("details.replying-to")
    assert replying.locator(".post-body p").last.is_hidden()
    replying.locator("summary").click()
    assert replying.locator(".post-body p").last.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "composer-quoting-375")
    body.fill("Shade first.")
    follow(page.get_by_role("button", name="Post reply"))
    post = Post.objects.get(author=member)
    assert post.body.replace("\r\n", "\n") == quote_markdown(answered) + "Shade first."
    assert post.quoting_id == answered.pk


def test_edit_the_quote_as_text_puts_it_back_in_the_box(page, site, answered, sign_in):
    sign_in(page, UserFactory())
    page.goto(
        f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}&quote={answered.pk}"
    )
    page.locator("#id_body").fill("Mine.")
    page.get_by_role("button", name="Edit the quote as text").click()
    assert page.locator("section.quoting").is_hidden()
    assert page.locator("#id_body").input_value() == quote_markdown(answered) + "Mine."
    assert page.locator("input[name=quotation]").input_value() == ""


def test_remove_the_quote_posts_without_it(page, site, answered, sign_in):
    member = UserFactory()
    sign_in(page, member)
    page.goto(
        f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}&quote={answered.pk}"
    )
    page.get_by_role("button", name="Remove the quote").click()
    page.locator("#id_body").fill("Just mine.")
    follow(page.get_by_role("button", name="Post reply"))
    post = Post.objects.get(author=member)
    assert post.body == "Just mine."
    assert post.quoting_id is None and post.parent_id == answered.pk


def test_without_javascript_the_help_is_there_and_the_quote_stays_markdown(
    nojs_page, site, answered, sign_in, screenshot
):
    page = nojs_page
    page.set_viewport_size({"width": 375, "height": 900})
    sign_in(page, UserFactory())
    page.goto(
        f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}&quote={answered.pk}"
    )
    assert page.locator(".composer-bar").is_hidden()
    assert page.locator("section.quoting").is_hidden()
    assert "Arjun Menon wrote:" in page.locator("#id_body").input_value()
    page.locator("summary", has_text="Formatting help").click()
    help_box = page.locator("details.format-help")
    assert help_box.locator("code", has_text="**bold text**").is_visible()
    assert help_box.locator("strong", has_text="bold text").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "composer-help-nojs-375")


def test_composer_passes_axe(browser, site, answered, sign_in, axe_source):  # noqa: F811
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    page = context.new_page()
    sign_in(page, UserFactory())
    page.goto(
        f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}&quote={answered.pk}"
    )
    page.locator("summary", has_text="Formatting help").click()
    failures = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            violations = axe_violations(page, axe_source)
            if violations:
                failures[f"{scheme} {width}"] = violations
    context.close()
    assert failures == {}


def test_the_reply_opened_under_a_post_has_the_toolbar(page, site, answered, sign_in):
    sign_in(page, UserFactory())
    page.goto(f"{site}/t/{answered.topic_id}/")
    page.locator(f"#p{answered.pk} a.reply-link").click()
    box = page.locator(".inline-reply")
    field = box.locator("textarea[name=body]")
    field.wait_for()
    assert box.get_by_role("toolbar", name="Formatting").is_visible()
    field.fill("slowly")
    field.press("Control+a")
    field.press("Control+b")
    assert field.input_value() == "**slowly**"
    box.get_by_role("button", name="Italic").click()
    assert field.input_value() == "***slowly***"


def test_moving_the_quote_out_is_not_an_edit(page, site, answered, sign_in):
    """The textarea's starting text is what it shows once the quote moved out,
    so that nothing counts the page as changed before anyone types."""
    sign_in(page, UserFactory())
    page.goto(
        f"{site}/t/{answered.topic_id}/reply/?parent={answered.pk}&quote={answered.pk}"
    )
    field = page.locator("#id_body")
    assert field.evaluate("el => el.value === el.defaultValue")
