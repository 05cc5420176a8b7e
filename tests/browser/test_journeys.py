"""Journeys through the real site in a real browser (chromium via playwright).

Each test drives the pages as a reader would: forms are filled and buttons pressed,
and what the browser ends up showing is checked in its DOM.
"""

import re

import pytest

from accounts.models import User
from forum.models import Post
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory

from .conftest import follow

pytestmark = pytest.mark.browser

CONFIRM_LINK = re.compile(r"/accounts/confirm-email/[^/\s]+/")
INDENT = re.compile(r"\bindent-(\d+)\b")


@pytest.fixture
def dialogue(site):
    """A topic: the opening post and two top-level replies, A then B, by others."""
    starter = UserFactory(display_name="Tomás Varga")
    topic = TopicFactory(
        category=CategoryFactory(name="Dialogues", slug="dialogues"),
        author=starter,
        title="Trust in towns",
        body="How do we rebuild trust between the old town and the new estates?",
    )
    post_a = ReplyFactory(
        topic=topic,
        author=UserFactory(display_name="Amara Okafor"),
        body=(
            "We could start with the library.\n\n"
            "A shared reading room is neutral ground for both sides."
        ),
    )
    post_b = ReplyFactory(
        topic=topic,
        author=UserFactory(display_name="Bruno Lind"),
        body="The market square needs benches before it needs speeches.",
    )
    topic.refresh_from_db()
    return topic, post_a, post_b


def article_classes(page, post_id: int) -> str:
    return page.locator(f"#p{post_id}").get_attribute("class") or ""


def indent_of(page, post_id: int) -> int:
    """The indent level of a post's article (0 for top-level posts: no class)."""
    match = INDENT.search(article_classes(page, post_id))
    return int(match.group(1)) if match else 0


def article_ids(page) -> list[int]:
    """The ids of the post articles on the page, in document order."""
    ids = page.eval_on_selector_all("article.post", "els => els.map(el => el.id)")
    return [int(value.removeprefix("p")) for value in ids]


def test_new_visitor_signs_up_verifies_and_replies_quoting_a_post(
    page, site, dialogue, mailoutbox, screenshot
):
    """Sign up, verify the email, reply quoting a post, see it threaded under it."""
    topic, post_a, post_b = dialogue

    # Sign up.
    page.goto(f"{site}/accounts/signup/")
    page.fill("#id_username", "newcomer")
    page.fill("#id_email", "newcomer@example.org")
    page.fill("#id_password1", "a-long-enough-secret-42")
    page.fill("#id_password2", "a-long-enough-secret-42")
    screenshot(page, "00-signup-form")
    follow(
        page.locator("form", has=page.locator("#id_username")).locator(
            "button[type=submit]"
        )
    )
    assert "/accounts/confirm-email/" in page.url, page.url
    header = page.locator("header.site-header")
    assert header.get_by_role("button", name="Sign out").count() == 0
    screenshot(page, "01-signup-verification-sent")

    # Verify the email: open the link from the message and press Confirm.
    # (The outbox also holds the reply notifications sent to the topic's starter.)
    sent = [m for m in mailoutbox if "newcomer@example.org" in m.to]
    assert len(sent) == 1, [m.subject for m in mailoutbox]
    message = sent[0]
    assert message.to == ["newcomer@example.org"]
    link = CONFIRM_LINK.search(message.body)
    assert link, message.body
    page.goto(f"{site}{link.group(0)}")
    screenshot(page, "02-confirm-email-page")
    follow(page.get_by_role("button", name="Confirm"))

    # Confirming signs the newcomer in.
    assert header.get_by_role("button", name="Sign out").count() == 1
    assert header.get_by_role("link", name="newcomer").count() == 1
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.emailaddress_set.get().verified

    # Open the topic and quote post A.
    page.goto(f"{site}/t/{topic.pk}/")
    follow(page.locator(f"#p{post_a.pk} a.quote-link"))
    assert f"/t/{topic.pk}/reply/" in page.url
    assert f"parent={post_a.pk}" in page.url
    replying = page.locator("details.replying-to")
    assert "Replying to Amara Okafor" in replying.locator("h2").inner_text()
    # With JavaScript the quote is shown as "Quoting NAME", its markdown kept
    # in the form's quotation field rather than in the textarea.
    body = page.locator("#id_body")
    assert body.input_value() == ""
    card = page.locator("section.quoting")
    assert card.is_visible()
    assert card.locator("h2").inner_text() == "Quoting Amara Okafor"
    assert "neutral ground for both sides" in card.locator("blockquote").inner_text()
    quoted = page.locator("input[name=quotation]").input_value()
    assert "Amara Okafor wrote:" in quoted
    assert f"/p/{post_a.pk}/" in quoted
    assert "> We could start with the library." in quoted
    assert "> A shared reading room is neutral ground for both sides." in quoted
    assert page.locator("input[name=parent]").input_value() == str(post_a.pk)
    assert page.locator("input[name=quoting]").input_value() == str(post_a.pk)
    body.fill("Yes, and the library could host the first meeting.")
    screenshot(page, "03-reply-form-with-quote")
    follow(page.get_by_role("button", name="Post reply"))

    # The new post exists, threaded under A and quoting A.
    new = Post.objects.get(author=newcomer)
    # As the browser sends any textarea: line breaks as CR LF.
    assert new.body.replace("\r\n", "\n") == (
        quoted + "Yes, and the library could host the first meeting."
    )
    assert new.parent_id == post_a.pk
    assert new.quoting_id == post_a.pk
    assert page.url == f"{site}/t/{topic.pk}/#p{new.pk}"

    # Threaded view: the new post comes right after A, one level deeper; B after it.
    order = article_ids(page)
    assert order == [topic.first_post_id, post_a.pk, new.pk, post_b.pk]
    assert indent_of(page, post_a.pk) == 0
    assert indent_of(page, new.pk) > indent_of(page, post_a.pk)
    assert indent_of(page, new.pk) == 1
    assert "opening-post" in article_classes(page, topic.first_post_id)

    # The quote renders as a blockquote whose attribution links to A.
    article = page.locator(f"#p{new.pk}")
    quote = article.locator(".post-body blockquote")
    assert quote.count() == 1
    attribution = quote.get_by_role("link", name="Amara Okafor wrote:")
    assert attribution.count() == 1
    assert attribution.get_attribute("href") == f"/p/{post_a.pk}/"
    assert "We could start with the library." in quote.inner_text()
    assert (
        "the library could host the first meeting"
        in article.locator(".post-body > p").last.inner_text()
    )
    assert "newcomer" in article.locator(".post-meta .author").inner_text()

    # The browser is at the new post's anchor, with the post in view.
    assert page.locator(f"#p{new.pk}:target").count() == 1
    assert article.is_visible()
    assert page.evaluate(
        # Scrolling lands on whole pixels: a post starting at y = 595.5 sits
        # half a pixel above the top, in view all the same.
        """(id) => {
            const box = document.getElementById(id).getBoundingClientRect();
            return box.top > -1 && box.top < window.innerHeight;
        }""",
        f"p{new.pk}",
    )
    screenshot(page, "04-topic-threaded-1280", width=1280)
    screenshot(page, "05-topic-threaded-375", width=375)


def test_quote_with_javascript_quotes_only_the_selected_words(
    page, site, dialogue, sign_in, screenshot
):
    """Select words inside a post, press its Quote: only they are quoted."""
    topic, post_a, _ = dialogue
    sign_in(page, UserFactory(display_name="Chen Wei"))
    page.goto(f"{site}/t/{topic.pk}/")

    selected = page.evaluate(
        """(postId) => {
            const body = document.querySelector(`#p${postId} .post-body`);
            const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const at = node.data.indexOf("neutral ground");
                if (at === -1) continue;
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + "neutral ground".length);
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                return selection.toString();
            }
            return null;
        }""",
        post_a.pk,
    )
    assert selected == "neutral ground"

    page.locator(f"#p{post_a.pk} a.quote-link").click()
    page.wait_for_url(re.compile(r"/reply/"))
    page.wait_for_load_state()
    assert "selection=neutral+ground" in page.url or (
        "selection=neutral%20ground" in page.url
    ), page.url
    assert page.locator("#id_body").input_value() == ""
    quoted = page.locator("input[name=quotation]").input_value()
    assert "Amara Okafor wrote:" in quoted
    assert "> neutral ground" in quoted
    card = page.locator("section.quoting blockquote")
    assert card.inner_text().strip() == "neutral ground"
    assert "library" not in quoted
    assert "A shared reading room" not in quoted
    assert page.locator("input[name=quoting]").input_value() == str(post_a.pk)
    screenshot(page, "06-reply-form-quoting-selection")


def test_quote_preview_and_post_without_javascript(
    nojs_page, site, dialogue, sign_in, screenshot
):
    """Without JavaScript: Quote quotes the whole post; Preview renders; Post posts."""
    page = nojs_page
    topic, _, post_b = dialogue
    member = UserFactory(display_name="Dana Petrova")
    sign_in(page, member)

    page.goto(f"{site}/t/{topic.pk}/")
    follow(page.locator(f"#p{post_b.pk} a.quote-link"))
    body = page.locator("#id_body")
    quoted = body.input_value()
    assert "Bruno Lind wrote:" in quoted
    assert "> The market square needs benches before it needs speeches." in quoted

    text = quoted + "Benches *and* shade, please."
    body.fill(text)
    follow(page.get_by_role("button", name="Preview"))

    preview = page.locator("section.preview [data-user-content]")
    assert preview.count() == 1
    assert preview.locator("blockquote").count() == 1
    assert preview.locator("em", has_text="and").count() == 1
    assert "Benches and shade, please." in preview.inner_text()
    assert page.locator("#id_body").input_value().replace("\r\n", "\n") == text
    assert not Post.objects.filter(author=member).exists()
    screenshot(page, "07-reply-preview-nojs")

    follow(page.get_by_role("button", name="Post reply"))
    new = Post.objects.get(author=member)
    assert new.parent_id == post_b.pk
    assert new.quoting_id == post_b.pk
    assert page.url.endswith(f"/t/{topic.pk}/#p{new.pk}")
    article = page.locator(f"#p{new.pk}")
    assert article.locator("blockquote").count() == 1
    assert "Benches and shade, please." in article.locator(".post-body").inner_text()
    assert article_ids(page)[-2:] == [post_b.pk, new.pk]
    assert indent_of(page, new.pk) == 1


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_flat_view_without_javascript_is_remembered(
    nojs_page, site, dialogue, sign_in, screenshot, signed_in
):
    """The "Flat, by time" button works without JS and sticks on the next load."""
    page = nojs_page
    topic, post_a, post_b = dialogue
    # A late reply to A: threaded it sits under A, flat it comes last.
    post_c = ReplyFactory(
        topic=topic,
        author=UserFactory(display_name="Chen Wei"),
        parent=post_a,
        body="The reading room closes at five, though.",
    )
    member = UserFactory(display_name="Dana Petrova") if signed_in else None
    if member:
        sign_in(page, member)

    url = f"{site}/t/{topic.pk}/"
    page.goto(url)
    threaded = page.get_by_role("button", name="Threaded")
    flat = page.get_by_role("button", name="Flat, by time")
    assert threaded.get_attribute("aria-pressed") == "true"
    assert flat.get_attribute("aria-pressed") == "false"
    assert article_ids(page) == [topic.first_post_id, post_a.pk, post_c.pk, post_b.pk]

    follow(flat)
    assert page.url == url
    assert flat.get_attribute("aria-pressed") == "true"
    assert threaded.get_attribute("aria-pressed") == "false"

    # Remembered on a fresh load of the page.
    page.goto(url)
    assert flat.get_attribute("aria-pressed") == "true"
    assert threaded.get_attribute("aria-pressed") == "false"
    assert page.locator(".thread.thread-flat").count() == 1

    # In time order, unindented, each reply naming the post it answers.
    assert article_ids(page) == [topic.first_post_id, post_a.pk, post_b.pk, post_c.pk]
    assert page.locator("article.post[class*=indent-]").count() == 0
    expected = {post_a: "Tomás Varga", post_b: "Tomás Varga", post_c: "Amara Okafor"}
    for post, parent_name in expected.items():
        reply_to = page.locator(f"#p{post.pk} .reply-to")
        assert "visually-hidden" not in (reply_to.get_attribute("class") or "")
        assert reply_to.is_visible()
        assert reply_to.bounding_box()["width"] > 50
        assert reply_to.inner_text().startswith(f"In reply to {parent_name}")
    assert page.locator(f"#p{topic.first_post_id} .reply-to").count() == 0

    if member:
        member.refresh_from_db()
        assert member.thread_view == User.ThreadView.FLAT
    else:
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert cookies.get("thread_view") == "flat"

    who = "member" if signed_in else "visitor"
    screenshot(page, f"08-topic-flat-{who}-1280", width=1280)
    screenshot(page, f"09-topic-flat-{who}-375", width=375)


@pytest.mark.parametrize("width", [375, 1280])
def test_reply_in_place_and_preview_without_reload_with_javascript(
    page, site, dialogue, sign_in, screenshot, width
):
    """With JavaScript, Reply opens the form under the post and Preview shows the
    preview there, without leaving the page; posting threads the reply."""
    topic, post_a, _ = dialogue
    member = UserFactory(display_name="Ines Duarte")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, member)
    url = f"{site}/t/{topic.pk}/"
    page.goto(url)
    page.evaluate("() => { window.stillHere = true; }")

    reply = page.locator(f"#p{post_a.pk}").get_by_role("link", name="Reply")
    reply.click()
    inline = page.locator(f'section.inline-reply[data-for="p{post_a.pk}"]')
    inline.wait_for()
    assert reply.get_attribute("aria-expanded") == "true"
    body = inline.get_by_label("Message")
    assert inline.locator("input[name=parent]").input_value() == str(post_a.pk)
    # Focus lands in the new form's text box, whose ids do not clash with the
    # reply box at the end of the page.
    assert page.evaluate("() => document.activeElement.name") == "body"
    ids = page.eval_on_selector_all("[id]", "els => els.map(el => el.id)")
    assert len(ids) == len(set(ids)), "duplicate ids after opening the inline form"
    label_for = inline.locator("label").first.get_attribute("for")
    assert inline.locator(f"#{label_for}").count() == 1

    body.fill("The library opens *late* on Thursdays.")
    inline.get_by_role("button", name="Preview").click()
    preview = inline.locator("section.preview")
    preview.wait_for()
    assert preview.locator("em", has_text="late").count() == 1
    assert page.url == url
    assert page.evaluate("() => window.stillHere") is True
    assert not Post.objects.filter(author=member).exists()
    screenshot(page, f"10-reply-in-place-preview-js-{width}")

    inline.get_by_role("button", name="Post reply").click()
    page.wait_for_url(re.compile(r"#p\d+$"))
    new = Post.objects.get(author=member)
    assert new.parent_id == post_a.pk
    assert indent_of(page, new.pk) == 1
    assert article_ids(page).index(new.pk) == article_ids(page).index(post_a.pk) + 1
