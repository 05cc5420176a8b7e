"""Attachments where facilitators meet them: the report and approval queues list
a post's files, even those its text no longer shows; hiding a post hides its
files from everyone but its author and the facilitators, and showing it again
brings them back."""

import pytest
from django.test import Client
from django.urls import reverse

from attachments.services import store
from forum import services as forum
from moderation import services as moderation
from tests.factories import TopicFactory, UserFactory, make_facilitator
from tests.helpers import configure, count_queries, html, signed_in


def post_with_files(topic, author, photo, pdf):
    """A reply showing an image and linking a document, and the two files."""
    image = store(owner=author, upload=photo(), description="A photo")
    document = store(owner=author, upload=pdf("minutes.pdf"))
    post = forum.post_reply(
        topic=topic,
        author=author,
        body=f"Look:\n\n![A photo](/a/{image.pk}/)\n\n[minutes](/a/{document.pk}/)",
    )
    return post, image, document


def listed(page: str, image, document) -> bool:
    return (
        f'<a href="/a/{image.pk}/"><img src="/a/{image.pk}/thumb/"' in page
        and f'<a href="/a/{document.pk}/">minutes.pdf</a>' in page
    )


def attached_block(page: str) -> str:
    return page[page.index('class="attached-files"') :]


def test_the_report_queue_lists_a_posts_files_even_those_its_text_dropped(
    category, other_user, facilitator, user, photo, pdf
):
    topic = TopicFactory(category=category, author=other_user)
    post, image, document = post_with_files(topic, user, photo, pdf)
    # The author takes both out of the text: they stay attached to the post.
    forum.edit_post(post=post, editor=user, body="Nothing to see.")
    moderation.report_post(post=post, reporter=other_user, reason="off_topic")

    client = signed_in(facilitator)
    page = html(client.get(reverse("moderation:reports")))
    assert "Attached:" in page
    assert listed(attached_block(page), image, document)
    for url in (
        reverse("forum:attachment", args=[image.pk]),
        reverse("forum:attachment_thumbnail", args=[image.pk]),
        reverse("forum:attachment", args=[document.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_approval_queue_lists_the_files_of_posts_awaiting_approval(
    category, other_user, photo, pdf
):
    category = configure(category, approval_threshold=1)
    facilitator = make_facilitator(category)
    newcomer = UserFactory()
    topic = TopicFactory(category=category, author=other_user)
    post, image, document = post_with_files(topic, newcomer, photo, pdf)
    assert not post.is_published

    client = signed_in(facilitator)
    page = html(client.get(reverse("moderation:approvals")))
    assert listed(attached_block(page), image, document)
    assert client.get(reverse("forum:attachment", args=[image.pk])).status_code == 200
    assert (
        client.get(reverse("forum:attachment", args=[document.pk])).status_code == 200
    )
    # Nobody else sees them before the post is approved.
    assert Client().get(reverse("forum:attachment", args=[image.pk])).status_code == 404


def test_a_rephrased_hidden_post_shows_its_files_in_the_approval_queue(
    category, other_user, facilitator, user, photo, pdf
):
    topic = TopicFactory(category=category, author=other_user)
    post, image, document = post_with_files(topic, user, photo, pdf)
    moderation.hide_post(post=post, actor=facilitator, reason="Please rephrase")
    forum.edit_post(post=post, editor=user, body="Rephrased, without the files.")
    page = html(signed_in(facilitator).get(reverse("moderation:approvals")))
    assert "Rephrased, without the files." in page
    assert listed(attached_block(page), image, document)


def test_a_post_without_files_lists_none(category, other_user, facilitator, user):
    topic = TopicFactory(category=category, author=other_user)
    post = forum.post_reply(topic=topic, author=user, body="Plain words.")
    moderation.report_post(post=post, reporter=other_user, reason="off_topic")
    page = html(signed_in(facilitator).get(reverse("moderation:reports")))
    assert "Plain words." in page
    assert "attached-files" not in page


@pytest.mark.parametrize("queue", ["reports", "approvals"])
def test_the_queues_take_the_same_queries_however_many_posts_have_files(
    queue, category, other_user, photo, pdf
):
    category = configure(category, approval_threshold=1)
    facilitator = make_facilitator(category)
    topic = TopicFactory(category=category, author=other_user)
    client = signed_in(facilitator)
    url = reverse(f"moderation:{queue}")

    def add_queued_post():
        post, _, _ = post_with_files(topic, UserFactory(), photo, pdf)
        if queue == "reports":
            moderation.approve_post(post=post, actor=facilitator)
            moderation.report_post(post=post, reporter=other_user, reason="spam")

    add_queued_post()
    client.get(url)  # warms the caches (roles, the site version)
    one = count_queries(client, url)
    for _ in range(3):
        add_queued_post()
    assert html(client.get(url)).count('class="attached-files"') == 4
    assert count_queries(client, url) == one


# Hiding


@pytest.fixture
def shown(category, other_user, user, photo, pdf):
    topic = TopicFactory(category=category, author=other_user)
    return post_with_files(topic, user, photo, pdf)


def file_urls(image, document) -> list[str]:
    return [
        reverse("forum:attachment", args=[image.pk]),
        reverse("forum:attachment_thumbnail", args=[image.pk]),
        reverse("forum:attachment", args=[document.pk]),
    ]


def statuses(client, urls) -> set[int]:
    return {client.get(url).status_code for url in urls}


def test_hiding_a_post_hides_its_files_and_unhiding_restores_them(
    shown, other_user, user, facilitator
):
    post, image, document = shown
    urls = file_urls(image, document)
    others = [Client(), signed_in(other_user), signed_in(UserFactory())]
    assert all(statuses(client, urls) == {200} for client in others)

    moderation.hide_post(post=post, actor=facilitator, reason="Off topic")
    assert all(statuses(client, urls) == {404} for client in others)
    # Its author and the facilitators still see what was hidden.
    assert statuses(signed_in(user), urls) == {200}
    assert statuses(signed_in(facilitator), urls) == {200}

    moderation.unhide_post(post=post, actor=facilitator)
    assert all(statuses(client, urls) == {200} for client in others)


def test_suspending_and_hiding_all_posts_hides_their_files(
    shown, category, other_user, user, facilitator, admin, photo, pdf
):
    post, image, document = shown
    second = post_with_files(post.topic, user, photo, pdf)
    urls = file_urls(image, document) + file_urls(*second[1:])
    moderation.suspend_and_hide(users=[user], actor=admin, reason="Spam")
    assert statuses(Client(), urls) == {404}
    assert statuses(signed_in(other_user), urls) == {404}
    assert statuses(signed_in(facilitator), urls) == {200}

    moderation.unsuspend_user(user=user, actor=admin, unhide=True)
    assert statuses(Client(), urls) == {200}
