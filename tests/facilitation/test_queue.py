"""The facilitator's queue on /moderation/: what waits for an answer, per
dialogue, oldest first; "Follow up" and "No follow-up needed"."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from facilitation import queries as facilitation_queries
from facilitation import services as facilitation
from facilitation.models import QueueDismissal
from forum import services as forum_services
from forum.models import Post, Topic
from moderation import services
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, count_queries, html

from . import backdate

QUEUE = "/moderation/"


@pytest.fixture
def dialogue(category, facilitator):
    return TopicFactory(category=category, author=facilitator, title="Trust in towns")


@pytest.fixture
def alice():
    return UserFactory(display_name="Alice Okafor")


@pytest.fixture
def bob():
    return UserFactory(display_name="Bob Lindqvist")


def lists(viewer) -> dict[str, list[int]]:
    """The ids in each of the viewer's three lists, all dialogues together."""
    queue = facilitation_queries.facilitation_queue(viewer=viewer)
    return {
        "unanswered": [p.pk for d in queue.dialogues for p in d.unanswered],
        "no_facilitator": [
            p.pk for d in queue.dialogues for p in d.unanswered_by_facilitator
        ],
        "follow_ups": [p.pk for d in queue.dialogues for p in d.follow_ups],
    }


def listed(page: str, name: str) -> list[int]:
    """Post ids in one list of the rendered queue, in page order."""
    ids = []
    for block in re.findall(rf'data-list="{name}">(.*?)</ul>', page, re.S):
        ids += [int(pk) for pk in re.findall(r'data-post="(\d+)"', block)]
    return ids


def test_queue_follows_the_conversation(dialogue, facilitator, alice, bob):
    """A participant's post waits for anyone, then for a facilitator, then is gone."""
    assert lists(facilitator) == {
        "unanswered": [],
        "no_facilitator": [],
        "follow_ups": [],
    }

    first = ReplyFactory(topic=dialogue, author=alice, body="Trust is local.")
    assert lists(facilitator)["unanswered"] == [first.pk]

    answer = ReplyFactory(topic=dialogue, author=bob, parent=first, body="Agreed.")
    assert lists(facilitator) == {
        "unanswered": [answer.pk],
        "no_facilitator": [first.pk],
        "follow_ups": [],
    }

    ReplyFactory(topic=dialogue, author=facilitator, parent=first, body="Say more?")
    assert lists(facilitator) == {
        "unanswered": [answer.pk],
        "no_facilitator": [],
        "follow_ups": [],
    }


def test_admin_reply_also_answers(dialogue, facilitator, admin, alice):
    """An admin's reply counts as a facilitator's answer."""
    post = ReplyFactory(topic=dialogue, author=alice)
    ReplyFactory(topic=dialogue, author=admin, parent=post)

    assert post.pk not in lists(facilitator)["unanswered"]
    assert post.pk not in lists(facilitator)["no_facilitator"]


def test_follow_up_question_waits_for_the_participant(
    client, dialogue, facilitator, alice
):
    """A facilitator's follow-up question stays in the queue with its age until
    the participant answers it."""
    post = ReplyFactory(topic=dialogue, author=alice, body="Trust is earned.")
    question = forum_services.post_reply(
        topic=dialogue,
        author=facilitator,
        body="How is it earned, where you live?",
        parent=post,
        quoting=post,
        follow_up=True,
    )
    backdate(question, days=3, hours=2)
    assert lists(facilitator) == {
        "unanswered": [],
        "no_facilitator": [],
        "follow_ups": [question.pk],
    }
    client.force_login(facilitator)
    page = html(client.get(QUEUE))
    assert listed(page, "follow-ups") == [question.pk]
    assert '<span class="age">3 days</span>' in page
    assert "to Alice Okafor" in page

    ReplyFactory(
        topic=dialogue, author=alice, parent=question, body="By keeping at it."
    )

    assert lists(facilitator)["follow_ups"] == []
    assert Post.objects.get(pk=question.pk).follow_up_answered_at is not None


def test_someone_else_answering_a_follow_up_leaves_it_open(
    dialogue, facilitator, alice, bob
):
    """Only the participant asked closes a follow-up question."""
    post = ReplyFactory(topic=dialogue, author=alice)
    question = forum_services.post_reply(
        topic=dialogue, author=facilitator, body="Why?", parent=post, follow_up=True
    )
    ReplyFactory(topic=dialogue, author=bob, parent=question, body="I would say…")

    assert lists(facilitator)["follow_ups"] == [question.pk]


def test_no_follow_up_needed_takes_a_post_off_the_queue(
    client, dialogue, facilitator, alice
):
    """The button dismisses the post; pressing it twice is harmless."""
    post = ReplyFactory(topic=dialogue, author=alice, body="Just agreeing.")
    client.force_login(facilitator)
    page = html(client.get(QUEUE))
    assert f'action="/moderation/p/{post.pk}/dismiss/"' in page
    assert 'name="csrfmiddlewaretoken"' in page

    response = client.post(f"/moderation/p/{post.pk}/dismiss/", follow=True)

    assert response.redirect_chain[-1][0] == f"{QUEUE}?dismissed={post.pk}"
    assert "it left the queue" in html(response)
    assert listed(html(response), "unanswered") == []
    dismissal = QueueDismissal.objects.get(post=post)
    assert dismissal.by_name == "Mira Sol"

    again = client.post(f"/moderation/p/{post.pk}/dismiss/", follow=True)

    assert "already off the queue" in html(again)
    assert QueueDismissal.objects.filter(post=post).count() == 1


def test_no_follow_up_needed_can_be_undone(client, dialogue, facilitator, alice):
    """The queue, just after "No follow-up needed", offers to undo it: the post
    comes back. A malformed ?dismissed= offers nothing and is no error."""
    post = ReplyFactory(topic=dialogue, author=alice, body="Just agreeing.")
    client.force_login(facilitator)
    page = html(client.post(f"/moderation/p/{post.pk}/dismiss/", follow=True))
    assert f'action="/moderation/p/{post.pk}/restore/"' in page

    response = client.post(f"/moderation/p/{post.pk}/restore/", follow=True)

    assert "Back on the queue." in html(response)
    assert listed(html(response), "unanswered") == [post.pk]
    assert not QueueDismissal.objects.filter(post=post).exists()
    again = client.post(f"/moderation/p/{post.pk}/restore/", follow=True)
    assert "already on the queue" in html(again)
    odd = client.get(f"{QUEUE}?dismissed=1%3Cb%3E")
    assert odd.status_code == 200
    assert "/restore/" not in html(odd)


def test_dismiss_service_is_idempotent(dialogue, facilitator, alice):
    """dismiss_from_queue says whether anything changed."""
    post = ReplyFactory(topic=dialogue, author=alice)

    assert facilitation.dismiss_from_queue(post=post, actor=facilitator) is True
    assert facilitation.dismiss_from_queue(post=post, actor=facilitator) is False
    assert lists(facilitator)["unanswered"] == []


def test_dismissed_follow_up_leaves_the_queue(client, dialogue, facilitator, alice):
    """A follow-up question that needs no answer can be taken off the queue."""
    post = ReplyFactory(topic=dialogue, author=alice)
    question = forum_services.post_reply(
        topic=dialogue, author=facilitator, body="Why?", parent=post, follow_up=True
    )
    client.force_login(facilitator)

    client.post(f"/moderation/p/{question.pk}/dismiss/")

    assert lists(facilitator)["follow_ups"] == []


def test_follow_up_link_opens_the_reply_form_ticked(
    client, dialogue, facilitator, alice
):
    """ "Follow up" opens the reply form quoting the post, follow-up box ticked."""
    post = ReplyFactory(topic=dialogue, author=alice, body="Trust is local.")
    client.force_login(facilitator)
    page = html(client.get(QUEUE))
    link = (
        f"/t/{dialogue.pk}/reply/?parent={post.pk}&amp;quote={post.pk}&amp;follow_up=1"
    )
    assert f'href="{link}"' in page

    form = html(client.get(link.replace("&amp;", "&")))

    assert re.search(r'<input type="checkbox" name="follow_up"[^>]*checked', form)
    assert "&gt; Trust is local." in form or "> Trust is local." in form


def test_queue_items_show_author_subject_excerpt_and_links(
    client, dialogue, facilitator, alice
):
    """Each item names its author, subject and age, quotes the start of the post
    and links to it."""
    post = ReplyFactory(
        topic=dialogue,
        author=alice,
        subject="On neighbours",
        body="Neighbours who *lend tools* build trust faster than any campaign.",
    )
    client.force_login(facilitator)

    page = html(client.get(QUEUE))

    item = re.search(rf'data-post="{post.pk}">(.*?)</li>', page, re.S).group(1)
    assert f'href="/p/{post.pk}/"' in item
    assert "On neighbours" in item
    assert "by Alice Okafor" in item
    assert "Neighbours who lend tools build trust" in item
    assert '<span class="age">' in item
    assert "Trust in towns" in page


def test_queue_leaves_out_what_needs_no_answer(
    category, dialogue, facilitator, admin, alice
):
    """Opening posts, facilitators' and admins' posts, hidden and held posts, and
    locked, closed or other categories' dialogues are not in the queue."""
    ReplyFactory(topic=dialogue, author=facilitator, body="A facilitator speaks.")
    ReplyFactory(topic=dialogue, author=admin, body="An admin speaks.")
    hidden = ReplyFactory(topic=dialogue, author=alice, body="Rude words.")
    services.hide_post(post=hidden, actor=facilitator, reason="Unkind")
    configure(category, approval_threshold=5)
    held = ReplyFactory(topic=dialogue, author=UserFactory())
    assert held.status == Post.Status.PENDING
    locked = TopicFactory(category=category, author=alice, replies=1)
    services.lock_topic(topic=locked, actor=facilitator)
    closed = TopicFactory(category=category, author=facilitator, replies=1)
    Topic.objects.filter(pk=closed.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    TopicFactory(category=CategoryFactory(), replies=2)

    assert lists(facilitator) == {
        "unanswered": [],
        "no_facilitator": [],
        "follow_ups": [],
    }


def test_a_participant_opening_a_topic_is_not_queued_but_replies_are(
    category, facilitator, alice, bob
):
    """The opening post is the dialogue's question, not an item to answer."""
    topic = TopicFactory(category=category, author=alice)
    reply = ReplyFactory(topic=topic, author=bob)

    assert lists(facilitator)["unanswered"] == [reply.pk]


def test_oldest_first_with_counts_per_list_and_dialogue(
    client, category, dialogue, facilitator, alice, bob
):
    """Items and dialogues come oldest first; the page counts each list in total
    and per dialogue."""
    later = TopicFactory(category=category, author=facilitator, title="Later talk")
    newest = backdate(ReplyFactory(topic=dialogue, author=alice), hours=1)
    oldest = backdate(ReplyFactory(topic=dialogue, author=bob), days=2)
    middle = backdate(ReplyFactory(topic=later, author=alice), days=1)
    answered = backdate(ReplyFactory(topic=later, author=bob), days=5)
    ReplyFactory(topic=later, author=alice, parent=answered)
    client.force_login(facilitator)

    page = html(client.get(QUEUE))

    queue = facilitation_queries.facilitation_queue(viewer=facilitator)
    assert [d.topic.pk for d in queue.dialogues] == [later.pk, dialogue.pk]
    assert [d.count for d in queue.dialogues] == [3, 2]
    assert [p.pk for p in queue.dialogues[1].unanswered] == [oldest.pk, newest.pk]
    assert listed(page, "unanswered")[-2:] == [oldest.pk, newest.pk]
    assert listed(page, "unanswered")[:2] == [middle.pk, answered.pk + 1]
    assert listed(page, "no-facilitator") == [answered.pk]
    assert '<strong data-count="unanswered">4</strong>' in page
    assert '<strong data-count="no-facilitator">1</strong>' in page
    assert '<strong data-count="follow-ups">0</strong>' in page
    assert re.findall(r'data-count="dialogue">(\d+)<', page) == ["3", "2"]
    assert re.findall(r'data-count="dialogue-unanswered">(\d+)<', page) == ["2", "2"]
    assert re.findall(r'data-count="dialogue-no-facilitator">(\d+)<', page) == ["1"]


def test_categories_table_stays_below_the_queue(client, dialogue, facilitator):
    """The counts of reports and approvals per category are still there."""
    client.force_login(facilitator)

    page = html(client.get(QUEUE))

    assert page.index("Waiting for a facilitator") < page.index('class="row-title"')
    assert 'data-label="Open reports"' in page


def test_empty_queue_says_so(client, dialogue, facilitator):
    client.force_login(facilitator)

    assert "Nothing is waiting" in html(client.get(QUEUE))


def test_admin_sees_every_category(dialogue, admin, alice):
    """Admins' queue covers every category."""
    post = ReplyFactory(topic=dialogue, author=alice)
    elsewhere = ReplyFactory(topic=TopicFactory(), author=alice)

    assert lists(admin)["unanswered"] == [post.pk, elsewhere.pk]


def test_other_categories_facilitator_sees_only_their_own(client, dialogue, alice):
    """A facilitator of another category sees nothing of this one."""
    other = make_facilitator(CategoryFactory(name="Town halls"))
    ReplyFactory(topic=dialogue, author=alice, body="Trust is local.")
    client.force_login(other)

    page = html(client.get(QUEUE))

    assert lists(other)["unanswered"] == []
    assert "Trust in towns" not in page
    assert "Trust is local" not in page


def test_facilitator_of_another_category_counts_as_participant_here(
    dialogue, facilitator
):
    """Facilitating elsewhere does not make one's posts here answered."""
    other = make_facilitator(CategoryFactory())
    post = ReplyFactory(topic=dialogue, author=other)
    answer = ReplyFactory(topic=dialogue, author=other, parent=post)

    assert lists(facilitator)["unanswered"] == [answer.pk]
    assert lists(facilitator)["no_facilitator"] == [post.pk]


def test_queue_is_for_facilitators(client, dialogue, alice, user):
    """Visitors sign in; participants are refused."""
    post = ReplyFactory(topic=dialogue, author=alice)

    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.post(f"/moderation/p/{post.pk}/dismiss/").status_code == 302

    client.force_login(user)
    assert client.get(QUEUE).status_code == 403
    assert client.post(f"/moderation/p/{post.pk}/dismiss/").status_code == 403
    assert not QueueDismissal.objects.exists()


def test_dismiss_refused_to_another_categorys_facilitator(client, dialogue, alice):
    """Facilitators dismiss only posts in their own categories."""
    post = ReplyFactory(topic=dialogue, author=alice)
    client.force_login(make_facilitator(CategoryFactory()))

    assert client.post(f"/moderation/p/{post.pk}/dismiss/").status_code == 403
    assert client.get(f"/moderation/p/{post.pk}/dismiss/").status_code == 405
    assert not QueueDismissal.objects.exists()


def queue_with(items: int):
    """A facilitator with `items` waiting in each list, over two dialogues."""
    category = CategoryFactory()
    facilitator = make_facilitator(category)
    topics = [TopicFactory(category=category, author=facilitator) for _ in range(2)]
    for n in range(items):
        topic = topics[n % 2]
        post = ReplyFactory(topic=topic, author=UserFactory(), body=f"Post {n}")
        answered = ReplyFactory(topic=topic, author=UserFactory(), body=f"Hm {n}")
        ReplyFactory(topic=topic, author=UserFactory(), parent=answered, body="Yes.")
        asked = ReplyFactory(topic=topic, author=UserFactory(), body=f"Asked {n}")
        forum_services.post_reply(
            topic=topic,
            author=facilitator,
            body=f"Why {n}?",
            parent=asked,
            follow_up=True,
        )
        assert post.pk
    return facilitator


def test_queue_runs_constant_queries(client):
    """The queue page runs as many queries with 2 items per list as with 20."""
    counts = []
    for items in (2, 20):
        facilitator = queue_with(items)
        client.force_login(facilitator)
        counts.append(count_queries(client, QUEUE))
        page = html(client.get(QUEUE))
        assert len(listed(page, "follow-ups")) == items
        assert len(listed(page, "no-facilitator")) == items
        # Each dialogue's "Yes." replies wait too: 2 per item in all.
        assert len(listed(page, "unanswered")) == 2 * items
    assert counts[0] == counts[1]
