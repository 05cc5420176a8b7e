"""Drafts kept on the server: saved by the form's "Save draft" button or by the
page's script as the writer types, restored when the form is opened again,
removed when posted, private to their writer and in their data download."""

import pytest
from django.test import Client

from forum import services
from forum.models import Category, Draft, Post
from moderation import services as moderation
from tests.factories import ReplyFactory, UserFactory
from tests.helpers import configure, downloaded_data, html, signed_in

DRAFTS = "/drafts/"


def test_save_draft_button_keeps_a_reply_and_the_form_brings_it_back(
    member_client, topic, user
):
    """Without JavaScript: "Save draft" keeps the text and the post answered,
    and the reply form opened again (on any device) shows them."""
    parent = ReplyFactory(topic=topic, body="The council never answers.")
    response = member_client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Half a thought about", "parent": parent.pk, "save_draft": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/t/{topic.pk}/reply/?parent={parent.pk}"
    draft = Draft.objects.get(user=user)
    assert (draft.kind, draft.topic, draft.parent) == ("reply", topic, parent)

    other_device = signed_in(user)
    page = html(other_device.get(f"/t/{topic.pk}/reply/"))
    assert "Half a thought about</textarea>" in page
    assert f'name="parent" value="{parent.pk}"' in page
    assert "Your draft saved on" in page
    assert "Half a thought about</textarea>" in html(
        other_device.get(topic.get_absolute_url())
    )


def test_posting_the_reply_removes_its_draft(member_client, topic, user):
    services.save_draft(user=user, kind="reply", topic=topic, body="Almost done")
    member_client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Done now.", "post": "1", "named_in_exports": "yes"},
    )
    assert Post.objects.filter(topic=topic, body="Done now.").exists()
    assert not Draft.objects.exists()


def test_a_refused_reply_keeps_its_draft(topic, user, facilitator):
    """The draft goes in the post's transaction: no post, no loss."""
    services.save_draft(user=user, kind="reply", topic=topic, body="Kept")
    moderation.lock_topic(topic=topic, actor=facilitator)
    with pytest.raises(services.TopicLocked):
        services.post_reply(topic=topic, author=user, body="Kept")
    assert Draft.objects.get(user=user).body == "Kept"


def test_new_topic_and_edit_drafts_come_back_and_go_when_posted(
    member_client, category, topic, user
):
    member_client.post(
        f"/c/{category.slug}/new/",
        {"title": "Rivers and towns", "body": "Start", "save_draft": "1"},
    )
    page = html(member_client.get(f"/c/{category.slug}/new/"))
    assert 'value="Rivers and towns"' in page and "Start</textarea>" in page
    member_client.post(
        f"/c/{category.slug}/new/",
        {"title": "Rivers and towns", "body": "Start here.", "post": "1"},
    )
    assert not Draft.objects.filter(kind="topic").exists()

    mine = ReplyFactory(topic=topic, author=user, body="First words.")
    member_client.post(
        f"/p/{mine.pk}/edit/", {"body": "Better words", "save_draft": "1"}
    )
    assert Post.objects.get(pk=mine.pk).body == "First words."
    assert "Better words</textarea>" in html(member_client.get(f"/p/{mine.pk}/edit/"))
    member_client.post(f"/p/{mine.pk}/edit/", {"body": "Better words.", "save": "1"})
    assert Post.objects.get(pk=mine.pk).body == "Better words."
    assert not Draft.objects.exists()


def test_autosave_keeps_the_latest_text_once(member_client, topic, user):
    for body in ("Typ", "Typing on"):
        response = member_client.post(
            DRAFTS, {"kind": "reply", "target": topic.pk, "body": body}
        )
        assert response.status_code == 204
    assert list(Draft.objects.values_list("body", flat=True)) == ["Typing on"]
    member_client.post(DRAFTS, {"kind": "reply", "target": topic.pk, "body": " "})
    assert not Draft.objects.exists()


def test_a_draft_larger_than_a_post_is_refused_and_the_last_one_kept(
    member_client, topic, user
):
    services.save_draft(user=user, kind="reply", topic=topic, body="Short")
    response = member_client.post(
        DRAFTS, {"kind": "reply", "target": topic.pk, "body": "x" * 50_001}
    )
    assert response.status_code == 400
    assert "at most 50000 characters" in response.json()["errors"][0]
    assert Draft.objects.get().body == "Short"
    page = member_client.post(
        f"/t/{topic.pk}/reply/", {"body": "y" * 50_001, "save_draft": "1"}
    )
    assert page.status_code == 200
    assert "at most 50000 characters" in html(page)
    assert "y" * 50_001 + "</textarea>" in html(page)


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "reply", "target": "abc"},
        {"kind": "reply", "target": "999999"},
        {"kind": "poem", "target": "1"},
        {"kind": "topic", "target": "no-such-category"},
        {"kind": "edit", "target": "999999"},
    ],
)
def test_autosave_to_no_form_is_a_404(member_client, data):
    assert member_client.post(DRAFTS, {**data, "body": "Text"}).status_code == 404


def test_no_draft_for_a_topic_the_writer_may_not_see_or_reply_to(
    member_client, topic, user, facilitator, other_user
):
    others = ReplyFactory(topic=topic, author=other_user, body="Theirs")
    configure(topic.category, visibility=Category.Visibility.PRIVATE)
    data = {"kind": "reply", "target": topic.pk, "body": "Text"}
    assert member_client.post(DRAFTS, data).status_code == 404
    configure(topic.category, visibility=Category.Visibility.PUBLIC)
    moderation.lock_topic(topic=topic, actor=facilitator)
    assert member_client.post(DRAFTS, data).status_code == 403
    edit = {"kind": "edit", "target": others.pk, "body": "Mine now"}
    assert member_client.post(DRAFTS, edit).status_code == 403
    assert not Draft.objects.exists()


def test_autosave_needs_a_signed_in_writer_and_a_post(member_client, topic):
    data = {"kind": "reply", "target": topic.pk, "body": "Text"}
    assert Client().post(DRAFTS, data).status_code == 302
    assert member_client.get(DRAFTS).status_code == 405


def test_a_draft_is_shown_to_nobody_else(member_client, topic, user):
    services.save_draft(user=user, kind="reply", topic=topic, body="Private musing")
    someone = signed_in(UserFactory())
    assert "Private musing" not in html(someone.get(f"/t/{topic.pk}/reply/"))
    assert "Private musing" not in html(someone.get(topic.get_absolute_url()))


def test_drafts_are_in_the_data_download(member_client, topic, category, user):
    services.save_draft(user=user, kind="reply", topic=topic, body="Unsent words")
    services.save_draft(
        user=user, kind="topic", category=category, title="A title", body=""
    )
    data = downloaded_data(member_client.get("/accounts/data/"))
    assert [(d["kind"], d["title"], d["body"]) for d in data["drafts"]] == [
        ("reply", "", "Unsent words"),
        ("topic", "A title", ""),
    ]
    assert data["drafts"][0]["topic"] == topic.title
