"""Attaching a photo or a file from a post's form, as a participant meets it:
without JavaScript (the Attach button sends the whole form and the form comes
back with the text kept), and with it (a file chosen, dropped or pasted is sent
alone and its markdown put at the cursor). A refused file is explained and the
typed text stays; the form passes axe; the topic shows the image's thumbnail."""

import base64
import time
from io import BytesIO

import pytest
from PIL import Image

from accounts.models import User
from attachments.models import Attachment
from forum import services
from forum.models import Draft, Post
from tests.factories import TopicFactory, UserFactory

from .conftest import follow
from .photos import photo_bytes
from .test_accessibility import axe_source, check  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 900}
DESCRIPTION = "A market stall under a blue awning"


@pytest.fixture
def topic(site):
    return TopicFactory(title="Market day")


@pytest.fixture
def author(site):
    """A participant who has already answered whether exports may name them."""
    user = UserFactory(display_name="Ines Duarte")
    User.objects.filter(pk=user.pk).update(named_in_exports=True)
    return User.objects.get(pk=user.pk)


def eventually(check, seconds: float = 5) -> None:
    """Wait for what the page's script does after a delay (a draft saved)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not done in time"
        time.sleep(0.1)


def posted(author) -> str:
    """The text of author's post, as typed (a browser sends CRLF line ends)."""
    return Post.objects.get(author=author).body.replace("\r\n", "\n").strip()


def drafted(author) -> str | None:
    draft = Draft.objects.filter(user=author).first()
    return draft and draft.body.replace("\r\n", "\n")


def describe_and_attach(page, form, author) -> Attachment:
    """Describe the image waiting in form and press Attach: the file is sent."""
    form.get_by_label("For a photo").fill(DESCRIPTION)
    with page.expect_response(lambda r: r.url.endswith("/uploads/")) as sent:
        form.get_by_role("button", name="Attach").click()
    assert sent.value.status == 201
    return Attachment.objects.filter(owner=author).latest("pk")


def jpeg(name: str = "market.jpg") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": photo_bytes()}


def shown_image(page, attachment: Attachment):
    """The attachment's thumbnail in the topic, sized, lazy and loaded."""
    image = page.locator(f'[data-user-content] img[src="/a/{attachment.pk}/thumb/"]')
    assert image.count() == 1
    assert image.get_attribute("alt") == DESCRIPTION
    assert image.get_attribute("width") == str(attachment.thumbnail_width)
    assert image.get_attribute("height") == str(attachment.thumbnail_height)
    assert image.get_attribute("loading") == "lazy"
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    box = image.bounding_box()
    assert 0 < box["width"] <= page.viewport_size["width"]
    return image


def test_attach_a_photo_without_javascript_on_a_phone(
    nojs_page, site, topic, author, sign_in, screenshot
):
    """Type, pick a photo, describe it, press Attach: the form comes back with
    the text and the image's markdown and says so; posting shows the image."""
    page = nojs_page
    page.set_viewport_size(PHONE)
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    page.get_by_label("Message").fill("The stall I spoke of:")
    page.get_by_label("File", exact=True).set_input_files(jpeg())
    page.get_by_label("For a photo").fill(DESCRIPTION)
    screenshot(page, "attach-form-nojs-375")
    follow(page.get_by_role("button", name="Attach"))

    attachment = Attachment.objects.get(owner=author)
    markdown = f"![{DESCRIPTION}](/a/{attachment.pk}/)"
    assert page.url.endswith(f"/t/{topic.pk}/reply/")
    assert page.get_by_label("Message").input_value() == (
        f"The stall I spoke of:\n\n{markdown}\n"
    )
    assert "File attached" in page.locator(".messages").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "attach-done-nojs-375")

    follow(page.get_by_role("button", name="Post reply"))
    assert posted(author) == f"The stall I spoke of:\n\n{markdown}"
    shown_image(page, attachment)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "attach-topic-with-image-375")


def test_attach_a_chosen_photo_with_javascript_at_the_cursor(
    page, site, topic, author, sign_in, screenshot
):
    """The file is sent as soon as the photo is described; its markdown goes
    where the cursor was, the typed text kept around it, and is saved as the
    draft like any typing."""
    page.set_viewport_size(PHONE)
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    body = page.get_by_label("Message")
    body.fill("Before the photo.\n\nAfter the photo.")
    body.evaluate("el => el.setSelectionRange(17, 17)")
    page.get_by_label("File", exact=True).set_input_files(jpeg())
    status = page.locator(".attach-status")
    assert "Describe the image, then press Attach." in status.inner_text()
    assert page.evaluate("document.activeElement.name") == "description"
    screenshot(page, "attach-describe-js-375")
    attachment = describe_and_attach(page, page, author)
    markdown = f"![{DESCRIPTION}](/a/{attachment.pk}/)"
    expected = f"Before the photo.\n\n{markdown}\n\nAfter the photo."
    page.wait_for_function(
        "text => document.querySelector('#id_body').value === text", arg=expected
    )
    assert "File attached" in status.inner_text()
    assert page.get_by_label("For a photo").input_value() == ""
    assert page.get_by_label("File", exact=True).evaluate("el => el.files.length") == 0
    assert page.get_by_role("button", name="Attach").is_enabled()
    # The draft script takes the insertion for typing.
    eventually(lambda: drafted(author) == expected)
    screenshot(page, "attach-done-js-375")

    follow(page.get_by_role("button", name="Post reply"))
    assert posted(author) == expected
    shown_image(page, attachment)


def hand_over(page, how: str, selector: str, data: bytes, name: str, mime: str):
    """Give the element a file as the desktop does: "drop" it (dragged from a
    folder) or "paste" it (a copied screenshot)."""
    page.evaluate(
        """([how, selector, data, name, mime]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const files = new DataTransfer();
            files.items.add(new File([bytes], name, {type: mime}));
            const target = document.querySelector(selector);
            const options = {bubbles: true, cancelable: true};
            if (how === "paste") {
                target.focus();
                target.dispatchEvent(new ClipboardEvent("paste", {
                    ...options, clipboardData: files,
                }));
                return;
            }
            for (const type of ["dragenter", "dragover", "drop"]) {
                target.dispatchEvent(new DragEvent(type, {
                    ...options, dataTransfer: files,
                }));
            }
        }""",
        [how, selector, base64.b64encode(data).decode(), name, mime],
    )


def drop(page, selector: str, data: bytes, name: str, mime: str) -> None:
    hand_over(page, "drop", selector, data, name, mime)


def paste(page, selector: str, data: bytes, name: str, mime: str) -> None:
    hand_over(page, "paste", selector, data, name, mime)


def png_bytes() -> bytes:
    """A small screenshot-like PNG."""
    out = BytesIO()
    Image.new("RGB", (320, 200), (230, 230, 240)).save(out, "PNG")
    return out.getvalue()


def test_drop_a_photo_and_a_document_on_the_form(page, site, topic, author, sign_in):
    """A photo dropped on the text waits for its description (Enter in that
    field sends it); a document dropped on the attach box is sent at once."""
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    body = page.get_by_label("Message")
    body.fill("Look:")
    drop(page, "#id_body", photo_bytes(), "stall.jpg", "image/jpeg")
    assert "Describe the image" in page.locator(".attach-status").inner_text()
    assert page.get_by_label("File", exact=True).evaluate("el => el.files[0].name") == (
        "stall.jpg"
    )
    description = page.get_by_label("For a photo")
    description.fill(DESCRIPTION)
    with page.expect_response(lambda r: r.url.endswith("/uploads/")) as sent:
        description.press("Enter")
    assert sent.value.status == 201
    image = Attachment.objects.get(owner=author)
    markdown = f"![{DESCRIPTION}](/a/{image.pk}/)"
    page.wait_for_function(
        "text => document.querySelector('#id_body').value === text",
        arg=f"Look:\n\n{markdown}\n",
    )
    assert page.url.endswith("/reply/")

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with page.expect_response(lambda r: r.url.endswith("/uploads/")) as sent:
        drop(page, "fieldset.attach", pdf, "plan.pdf", "application/pdf")
    assert sent.value.status == 201
    document = Attachment.objects.exclude(pk=image.pk).get(owner=author)
    expected = f"Look:\n\n{markdown}\n\n[plan.pdf](/a/{document.pk}/)\n"
    page.wait_for_function(
        "text => document.querySelector('#id_body').value === text", arg=expected
    )
    follow(page.get_by_role("button", name="Post reply"))
    shown_image(page, image)
    link = page.locator(f'[data-user-content] a[href="/a/{document.pk}/"]')
    assert link.inner_text() == "plan.pdf"


def test_paste_a_screenshot_in_the_topic_reply_box(
    page, site, topic, author, sign_in, screenshot
):
    """A pasted image is named for what it is, waits for its description, and
    goes in at the cursor of the reply box under the topic."""
    page.set_viewport_size(PHONE)
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/")
    box = page.locator("section.reply-box")
    box.get_by_label("Message").fill("Here is what I see:")
    paste(page, "section.reply-box textarea", png_bytes(), "image.png", "image/png")
    field = box.get_by_label("File", exact=True)
    assert field.evaluate("el => el.files[0].name") == "pasted-image.png"
    assert box.get_by_label("Message").input_value() == "Here is what I see:"
    assert "Describe the image" in box.locator(".attach-status").inner_text()
    attachment = describe_and_attach(page, box, author)
    expected = f"Here is what I see:\n\n![{DESCRIPTION}](/a/{attachment.pk}/)\n"
    page.wait_for_function(
        "text => document.querySelector('.reply-box textarea').value === text",
        arg=expected,
    )
    screenshot(page, "attach-pasted-topic-box-js-375")
    follow(box.get_by_role("button", name="Post reply"))
    shown_image(page, attachment)


def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    page, site, topic, author, sign_in, settings
):
    settings.ATTACHMENTS_MAX_FILE_MB = 1
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    page.get_by_label("Message").fill("A long report.")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/uploads/" in r.url else None)
    error = page.locator(".attach-error")
    too_big = (
        "This file is larger than 1 MB, the most a file can be. Choose a smaller one."
    )
    drop(page, "#id_body", b"x" * 1_100_000, "report.txt", "text/plain")
    assert error.inner_text() == too_big
    page.get_by_label("For a photo").fill(DESCRIPTION)
    big_photo = jpeg() | {"buffer": b"x" * 1_100_000}
    page.get_by_label("File", exact=True).set_input_files(big_photo)
    assert error.inner_text() == too_big
    assert page.get_by_label("File", exact=True).evaluate("el => el.files.length") == 0
    page.wait_for_timeout(300)
    assert sent == []
    assert page.get_by_label("Message").input_value() == "A long report."


REFUSED = {
    "empty": ("empty.txt", b"", "text/plain"),
    "html-named-jpg": (
        "photo.jpg",
        b"<!doctype html><title>x</title><script>alert(1)</script>",
        "image/jpeg",
    ),
}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("refused", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_file_is_explained_and_the_text_stays(
    browser, site, topic, author, sign_in, screenshot, javascript, refused
):
    name, data, mime = refused
    context = browser.new_context(
        java_script_enabled=javascript, viewport=PHONE, locale="en-GB"
    )
    page = context.new_page()
    try:
        sign_in(page, author)
        page.goto(f"{site}/t/{topic.pk}/reply/")
        typed = "Words I do not want to type twice."
        page.get_by_label("Message").fill(typed)
        page.get_by_label("File", exact=True).set_input_files(
            {"name": name, "mimeType": mime, "buffer": data}
        )
        page.get_by_label("For a photo").fill(DESCRIPTION)
        attach = page.get_by_role("button", name="Attach")
        with page.expect_response(lambda r: r.url.endswith("/uploads/")) as sent:
            if javascript:
                attach.click()
            else:
                follow(attach)
        if javascript:
            assert sent.value.status == 400
            error = page.locator(".attach-error")
            error.wait_for()
            assert error.inner_text().strip()
            assert page.get_by_label("File", exact=True).get_attribute("aria-invalid")
            assert page.evaluate("document.activeElement.type") == "file"
        else:
            assert sent.value.status == 302
            error = page.locator(".messages .message-error")
            assert error.inner_text().strip()
        assert page.get_by_label("Message").input_value().strip() == typed
        assert not Attachment.objects.exists()
        screenshot(page, f"attach-refused-{name}-{'js' if javascript else 'nojs'}-375")
    finally:
        context.close()


def test_the_attach_box_passes_axe(browser, site, topic, author, sign_in, axe_source):  # noqa: F811
    """At 375 and 1280 px, light and dark: as it opens, asking for a
    description, showing a refusal; then the topic showing the image."""
    context = browser.new_context(bypass_csp=True, locale="en-GB")
    page = context.new_page()
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    failures = {}

    check(page, axe_source, "opened", failures)
    page.get_by_label("File", exact=True).set_input_files(jpeg())
    check(page, axe_source, "asking for a description", failures)
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}
    )
    with page.expect_response(lambda r: r.url.endswith("/uploads/")):
        page.get_by_role("button", name="Attach").click()
    page.locator(".attach-error").wait_for()
    check(page, axe_source, "refused", failures)
    page.get_by_label("File", exact=True).set_input_files(jpeg())
    describe_and_attach(page, page, author)
    follow(page.get_by_role("button", name="Post reply"))
    page.locator("[data-user-content] img").wait_for()
    check(page, axe_source, "topic with an image and the reply box", failures)
    context.close()
    assert failures == {}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_enter_in_the_subject_still_previews(
    browser, site, topic, author, sign_in, javascript
):
    """The Attach button comes before the form's own buttons; Enter in a field
    still previews rather than attaching nothing."""
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, author)
        page.goto(f"{site}/t/{topic.pk}/")
        box = page.locator("section.reply-box")
        box.get_by_label("Message").fill("Shade for the *stalls*.")
        uploads = []
        page.on("request", lambda r: uploads.append(r) if "/uploads/" in r.url else 0)
        box.get_by_label("Subject").press("Enter")
        preview = page.locator("section.preview")
        preview.wait_for()
        assert preview.locator("em", has_text="stalls").count() == 1
        assert uploads == []
    finally:
        context.close()


def test_a_photo_goes_after_a_restored_draft_not_yet_touched(
    page, site, topic, author, sign_in
):
    """The text comes back from a draft and the writer goes straight to the
    file: the photo goes after the text, as it does without JavaScript."""
    kept = "Kept from before."
    services.save_draft(user=author, kind="reply", topic=topic, body=kept)
    sign_in(page, author)
    page.goto(f"{site}/t/{topic.pk}/reply/")
    page.get_by_label("File", exact=True).set_input_files(jpeg())
    attachment = describe_and_attach(page, page, author)
    page.wait_for_function(
        "text => document.querySelector('#id_body').value === text",
        arg=f"{kept}\n\n![{DESCRIPTION}](/a/{attachment.pk}/)\n",
    )
