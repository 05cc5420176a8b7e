"""Attaching files from a post's form: without JavaScript (the form's Attach
button, or a file chosen and any button pressed), and from the page's script
(the upload answers JSON). A refused file is explained and the text stays."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attachments.models import Attachment
from forum.models import Draft, Post
from tests.factories import TopicFactory
from tests.helpers import fresh, html

ATTACH = {"attach": "1"}


def reply_form(client, topic, **data):
    return client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"kind": "reply", "target": topic.pk, "subject": "", **data},
    )


def test_attach_without_javascript_keeps_the_text_and_adds_the_image(
    member_client, user, topic, photo
):
    response = member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "body": "Here is the market I spoke of.",
            "description": "A market stall under a blue awning",
            "attachment": photo(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("forum:reply", args=[topic.pk])
    attachment = Attachment.objects.get()
    assert attachment.owner == user and attachment.post is None
    draft = Draft.objects.get(user=user, kind="reply", topic=topic)
    assert draft.body == (
        "Here is the market I spoke of.\n\n"
        f"![A market stall under a blue awning](/a/{attachment.pk}/)\n"
    )
    page = member_client.get(response["Location"])
    assert "Here is the market I spoke of." in html(page)
    assert "File attached" in html(page)

    posted = member_client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": draft.body, "subject": "", "submission_key": "k1", "post": "1"},
    )
    assert posted.status_code == 302
    post = Post.objects.get(author=user)
    assert fresh(attachment).post == post
    image = re.search(r"<img [^>]*>", post.body_html)[0]
    assert f'src="/a/{attachment.pk}/thumb/"' in image
    assert 'alt="A market stall under a blue awning"' in image
    assert 'loading="lazy"' in image
    assert f'width="{attachment.thumbnail_width}"' in image
    assert f'height="{attachment.thumbnail_height}"' in image
    assert not Draft.objects.filter(user=user).exists()


def test_a_file_chosen_and_post_pressed_is_attached_before_posting(
    member_client, user, topic, photo
):
    response = reply_form(
        member_client,
        topic,
        body="My photo:",
        description="Houses on a hill",
        attachment=photo(),
        post="1",
        submission_key="k2",
    )
    assert response.status_code == 302
    assert not Post.objects.filter(author=user).exists()
    assert "![Houses on a hill]" in Draft.objects.get(user=user).body


def test_an_image_without_a_description_is_refused_and_the_text_kept(
    member_client, user, topic, photo
):
    response = member_client.post(
        reverse("forum:upload"),
        {"kind": "reply", "target": topic.pk, "body": "Words I typed.", **ATTACH}
        | {"attachment": photo()},
        follow=True,
    )
    assert "Describe the image" in html(response)
    assert "Words I typed." in html(response)
    assert not Attachment.objects.exists()


def test_a_refused_file_is_explained_and_the_text_kept(member_client, user, topic):
    empty = SimpleUploadedFile("empty.txt", b"", "text/plain")
    response = member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "body": "Still here.",
            "attachment": empty,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "empty" in html(response)
    assert "Still here." in html(response)
    assert not Attachment.objects.exists()


def test_the_script_gets_the_markdown_to_insert(member_client, topic, pdf):
    response = member_client.post(
        reverse("forum:upload"),
        {"kind": "reply", "target": topic.pk, "attachment": pdf("plan.pdf")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert response.json() == {
        "markdown": f"[plan.pdf](/a/{attachment.pk}/)",
        "kind": "document",
    }


def test_the_script_gets_a_refusal_as_an_error(member_client, topic, photo):
    response = member_client.post(
        reverse("forum:upload"),
        {"kind": "reply", "target": topic.pk, "attachment": photo()},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "Describe the image" in response.json()["error"]


def test_an_image_left_undescribed_in_the_text_cannot_be_posted(
    member_client, user, topic, photo
):
    member_client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "description": "A river",
            "attachment": photo(),
        },
    )
    attachment = Attachment.objects.get()
    response = reply_form(
        member_client,
        topic,
        body=f"![](/a/{attachment.pk}/)",
        submission_key="k3",
        post="1",
    )
    assert response.status_code == 200
    assert "Describe each image" in html(response)


def test_an_edit_can_add_an_image(client, user, photo):
    topic = TopicFactory(author=user, body="Opening words.")
    client.force_login(user)
    post = topic.first_post
    url = reverse("forum:edit_post", args=[post.pk])
    client.post(
        reverse("forum:upload"),
        {
            "kind": "edit",
            "target": post.pk,
            "body": "Opening words.",
            "title": topic.title,
            "description": "A map",
            "attachment": photo(),
        },
    )
    draft = Draft.objects.get(user=user, kind="edit")
    client.post(url, {"body": draft.body, "title": topic.title})
    assert "<img" in fresh(post).body_html
    assert Attachment.objects.get().post == post


def test_someone_elses_upload_is_not_shown_as_an_image(
    client, user, other_user, topic, photo
):
    client.force_login(other_user)
    client.post(
        reverse("forum:upload"),
        {
            "kind": "reply",
            "target": topic.pk,
            "description": "Mine",
            "attachment": photo(),
        },
    )
    attachment = Attachment.objects.get()
    client.force_login(user)
    reply_form(
        client,
        topic,
        body=f"![Taken](/a/{attachment.pk}/)",
        submission_key="k4",
        post="1",
    )
    post = Post.objects.get(author=user)
    assert "<img" not in post.body_html
    assert fresh(attachment).post is None
