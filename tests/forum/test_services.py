from datetime import timedelta

import pytest
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from forum import services
from forum.exceptions import ParentNotInTopic, TopicLocked
from forum.models import PATH_SEGMENT, Category, Post, Topic, TopicRead
from tests.factories import CategoryFactory, ReplyFactory, TopicFactory, UserFactory
from tests.helpers import configure


def counters(model, pk):
    """The denormalised columns of one Topic or Category row, read fresh."""
    fields = ["post_count", "last_post_id", "last_post_at"]
    if model is Topic:
        fields.append("first_post_id")
    else:
        fields.append("topic_count")
    return model.objects.filter(pk=pk).values(*fields).get()


# Counters


def test_create_topic_sets_topic_and_category_counters(category, user):
    """Starting a topic makes its opening post and counts it everywhere."""
    topic = services.create_topic(
        category=category, author=user, title="  Housing  ", body="Where to start?"
    )

    post = Post.objects.get(topic=topic)
    assert topic.title == "Housing"
    assert post.position == 1
    assert post.parent_id is None
    assert post.author_name == "Rosa Ilunga"
    assert topic.post_count == 1
    assert topic.first_post_id == post.pk
    assert topic.last_post_id == post.pk
    assert topic.last_post_at == post.created_at
    category.refresh_from_db()
    assert category.topic_count == 1
    assert category.post_count == 1
    assert category.last_post_id == post.pk
    assert category.last_post_at == post.created_at


def test_replies_bump_counters_and_number_positions(topic, user, category):
    """Each reply is counted in its topic and category and becomes the last post."""
    replies = [
        services.post_reply(topic=topic, author=user, body=f"Point {n}")
        for n in range(4)
    ]

    topic.refresh_from_db()
    category.refresh_from_db()
    last = replies[-1]
    assert topic.post_count == 5
    assert topic.last_post_id == last.pk
    assert topic.last_post_at == last.created_at
    assert category.topic_count == 1
    assert category.post_count == 5
    assert category.last_post_id == last.pk
    assert category.last_post_at == last.created_at
    positions = list(
        Post.objects.filter(topic=topic)
        .order_by("created_at", "pk")
        .values_list("position", flat=True)
    )
    assert positions == [1, 2, 3, 4, 5]


def test_positions_are_per_topic(category, user):
    """Positions count from 1 in every topic, whatever other topics hold."""
    first = TopicFactory(category=category, replies=3)
    second = TopicFactory(category=category)
    reply = services.post_reply(topic=second, author=user, body="Hello")

    assert reply.position == 2
    assert first.post_count == 4
    assert Category.objects.get(pk=category.pk).post_count == 6


def test_recount_all_agrees_with_live_counters_and_repairs_them(user):
    """Recounting after many writes changes nothing, and fixes broken counters."""
    categories = [CategoryFactory(), CategoryFactory(), CategoryFactory()]
    for index, category in enumerate(categories[:2]):
        for n in range(3):
            topic = TopicFactory(category=category, replies=n + index)
            ReplyFactory(topic=topic, author=user)
    topic_ids = list(Topic.objects.values_list("pk", flat=True))
    category_ids = [c.pk for c in categories]
    live_topics = {pk: counters(Topic, pk) for pk in topic_ids}
    live_categories = {pk: counters(Category, pk) for pk in category_ids}
    assert live_categories[categories[0].pk]["post_count"] == 2 + 3 + 4
    assert live_categories[categories[1].pk]["post_count"] == 3 + 4 + 5
    assert live_categories[categories[2].pk]["topic_count"] == 0

    services.recount_all()

    assert {pk: counters(Topic, pk) for pk in topic_ids} == live_topics
    assert {pk: counters(Category, pk) for pk in category_ids} == live_categories

    Topic.objects.update(
        post_count=99, first_post=None, last_post=None, last_post_at=None
    )
    Category.objects.update(
        topic_count=7, post_count=0, last_post=None, last_post_at=timezone.now()
    )
    assert counters(Topic, topic_ids[0]) != live_topics[topic_ids[0]]

    services.recount_all()

    assert {pk: counters(Topic, pk) for pk in topic_ids} == live_topics
    assert {pk: counters(Category, pk) for pk in category_ids} == live_categories


# Threading


def test_reply_without_parent_sits_under_opening_post(topic, user):
    """A reply with no parent answers the opening post, one level down."""
    opening = Post.objects.get(pk=topic.first_post_id)

    reply = services.post_reply(topic=topic, author=user, body="First answer")

    assert opening.depth == 0
    assert opening.path == "1".zfill(PATH_SEGMENT)
    assert reply.parent_id == opening.pk
    assert reply.depth == 1
    assert reply.path == opening.path + "2".zfill(PATH_SEGMENT)


def test_reply_to_reply_goes_one_level_deeper(topic, user, other_user):
    """Answering a reply nests under it: depth 2 and the parent's path as prefix."""
    reply = services.post_reply(topic=topic, author=user, body="First answer")

    answer = services.post_reply(
        topic=topic, author=other_user, body="Answer to that", parent=reply
    )

    assert answer.parent_id == reply.pk
    assert answer.depth == 2
    assert answer.path.startswith(reply.path)
    assert len(answer.path) == 3 * PATH_SEGMENT
    assert answer.path == reply.path + str(answer.position).zfill(PATH_SEGMENT)


def test_thread_depth_is_capped(topic, user):
    """Past the depth cap, replies sit beside their parent but still name it."""
    cap = settings.FORUM_MAX_THREAD_DEPTH
    chain = []
    parent = None
    for n in range(8):
        parent = services.post_reply(
            topic=topic, author=user, body=f"Link {n}", parent=parent
        )
        chain.append(parent)

    assert cap < 8
    assert [p.depth for p in chain] == [min(n, cap) for n in range(1, 9)]
    assert max(p.depth for p in chain) == cap
    opening = Post.objects.get(pk=topic.first_post_id)
    assert chain[0].parent_id == opening.pk
    for child, real_parent in zip(chain[1:], chain, strict=False):
        assert child.parent_id == real_parent.pk
    for capped in chain[cap:]:
        assert len(capped.path) == (capped.depth + 1) * PATH_SEGMENT
    in_path_order = list(
        Post.objects.filter(topic=topic).order_by("path").values_list("pk", flat=True)
    )
    for capped in chain[cap:]:
        index = in_path_order.index(capped.pk)
        assert in_path_order[index - 1] == capped.parent_id


def test_thread_depth_follows_setting(topic, user):
    """The depth cap is read from FORUM_MAX_THREAD_DEPTH."""
    parent = None
    depths = []
    with override_settings(FORUM_MAX_THREAD_DEPTH=2):
        for n in range(4):
            parent = services.post_reply(
                topic=topic, author=user, body=f"Step {n}", parent=parent
            )
            depths.append(parent.depth)

    assert depths == [1, 2, 2, 2]


def test_path_order_is_depth_first_with_siblings_in_time_order(topic, user):
    """Ordering by path lists each post's replies under it, oldest first."""
    opening = Post.objects.get(pk=topic.first_post_id)

    def reply(body, parent=None):
        return services.post_reply(topic=topic, author=user, body=body, parent=parent)

    a = reply("A")
    b = reply("B")
    a1 = reply("A1", a)
    b1 = reply("B1", b)
    a2 = reply("A2", a)
    a1a = reply("A1a", a1)
    c = reply("C", opening)

    ordered = list(
        Post.objects.filter(topic=topic).order_by("path").values_list("body", flat=True)
    )
    assert ordered == [
        opening.body,
        a.body,
        a1.body,
        a1a.body,
        a2.body,
        b.body,
        b1.body,
        c.body,
    ]


# Locking and foreign posts


def test_locked_topic_rejects_replies(topic, user):
    """Locked topics reject replies and write nothing."""
    services.set_topic_locked(topic=topic, locked=True)

    with pytest.raises(TopicLocked):
        services.post_reply(topic=topic, author=user, body="Too late")

    assert Post.objects.filter(topic=topic).count() == 1
    assert Topic.objects.get(pk=topic.pk).post_count == 1


def test_locked_topic_rejects_edits_unless_forced(topic, user):
    """Posts in a locked topic cannot be edited, except with force."""
    reply = services.post_reply(topic=topic, author=user, body="Before the lock")
    services.set_topic_locked(topic=topic, locked=True)

    with pytest.raises(TopicLocked):
        services.edit_post(post=reply, editor=user, body="Changed")
    assert Post.objects.get(pk=reply.pk).body == "Before the lock"

    services.edit_post(post=reply, editor=user, body="Changed by staff", force=True)
    assert Post.objects.get(pk=reply.pk).body == "Changed by staff"


def test_parent_from_another_topic_is_refused(topic, category, user):
    """A reply cannot hang under a post of another topic."""
    elsewhere = TopicFactory(category=category)
    foreign = Post.objects.get(pk=elsewhere.first_post_id)

    with pytest.raises(ParentNotInTopic):
        services.post_reply(topic=topic, author=user, body="Hi", parent=foreign)

    assert Post.objects.filter(topic=topic).count() == 1


def test_quoting_from_another_topic_is_refused(topic, category, user):
    """A reply cannot quote a post of another topic."""
    elsewhere = TopicFactory(category=category)
    foreign = Post.objects.get(pk=elsewhere.first_post_id)

    with pytest.raises(ParentNotInTopic):
        services.post_reply(topic=topic, author=user, body="Hi", quoting=foreign)

    assert Post.objects.filter(topic=topic).count() == 1


# Duplicate submissions


def test_same_submission_key_makes_one_post(topic, user):
    """Submitting the same form twice makes one post and counts it once."""
    first = services.post_reply(
        topic=topic, author=user, body="Once", submission_key="k" * 32
    )
    second = services.post_reply(
        topic=topic, author=user, body="Once, edited", submission_key="k" * 32
    )

    assert second.pk == first.pk
    assert Post.objects.filter(topic=topic, author=user).count() == 1
    assert Topic.objects.get(pk=topic.pk).post_count == 2


def test_same_text_within_window_makes_one_post(topic, user):
    """The same text by the same author within the window is not posted twice."""
    first = services.post_reply(topic=topic, author=user, body="I agree.")
    second = services.post_reply(topic=topic, author=user, body="I agree.")

    assert second.pk == first.pk
    assert Post.objects.filter(topic=topic, author=user).count() == 1
    assert Topic.objects.get(pk=topic.pk).post_count == 2


def test_same_text_after_window_makes_two_posts(topic, user):
    """Once the duplicate window has passed, the same text is a new post."""
    first = services.post_reply(topic=topic, author=user, body="I agree.")
    Post.objects.filter(pk=first.pk).update(
        created_at=F("created_at")
        - timedelta(seconds=settings.FORUM_DUPLICATE_WINDOW_SECONDS + 1)
    )

    second = services.post_reply(topic=topic, author=user, body="I agree.")

    assert second.pk != first.pk
    assert Post.objects.filter(topic=topic, author=user).count() == 2
    assert Topic.objects.get(pk=topic.pk).post_count == 3


def test_same_text_after_window_by_clock_makes_two_posts(topic, user, monkeypatch):
    """A reader repeating themselves later, by the clock, posts again."""
    first = services.post_reply(topic=topic, author=user, body="Same words")
    later = timezone.now() + timedelta(
        seconds=settings.FORUM_DUPLICATE_WINDOW_SECONDS + 5
    )
    monkeypatch.setattr(timezone, "now", lambda: later)

    second = services.post_reply(topic=topic, author=user, body="Same words")

    assert second.pk != first.pk
    assert Post.objects.filter(topic=topic, body="Same words").count() == 2


def test_same_text_by_different_authors_makes_two_posts(topic, user, other_user):
    """Two people may write the same words."""
    first = services.post_reply(topic=topic, author=user, body="+1")
    second = services.post_reply(topic=topic, author=other_user, body="+1")

    assert second.pk != first.pk
    assert Post.objects.filter(topic=topic, body="+1").count() == 2
    assert Topic.objects.get(pk=topic.pk).post_count == 3


# Editing


def test_edit_rerenders_and_marks_edited(topic, user):
    """An edit replaces the text and its HTML, keeps the subject, and is dated."""
    reply = services.post_reply(
        topic=topic, author=user, body="Plain", subject="My point"
    )
    assert reply.edited_at is None

    services.edit_post(post=reply, editor=user, body="Now **bold**")

    stored = Post.objects.get(pk=reply.pk)
    assert stored.body == "Now **bold**"
    assert stored.body_html == "<p>Now <strong>bold</strong></p>\n"
    assert stored.subject == "My point"
    assert stored.edited_at is not None
    assert stored.edited_at >= stored.created_at


def test_edit_changes_subject_when_given(topic, user):
    """A given subject replaces the old one, trimmed."""
    reply = services.post_reply(topic=topic, author=user, body="Text", subject="Old")

    services.edit_post(post=reply, editor=user, body="Text", subject="  New  ")

    stored = Post.objects.get(pk=reply.pk)
    assert stored.subject == "New"
    assert stored.edited_at is not None


def test_edit_without_changes_is_not_marked_edited(topic, user):
    """Saving unchanged text leaves the post unmarked."""
    reply = services.post_reply(topic=topic, author=user, body="Same", subject="S")

    services.edit_post(post=reply, editor=user, body="Same")
    services.edit_post(post=reply, editor=user, body="Same", subject="S")

    assert Post.objects.get(pk=reply.pk).edited_at is None


def test_editing_opening_post_with_title_renames_topic(topic, other_user):
    """The opening post's edit form also renames its topic."""
    opening = Post.objects.get(pk=topic.first_post_id)

    services.edit_post(
        post=opening, editor=other_user, body="New opening", title="  Trust in cities "
    )

    assert Topic.objects.get(pk=topic.pk).title == "Trust in cities"
    assert Post.objects.get(pk=opening.pk).body == "New opening"


def test_title_on_a_reply_does_not_rename_topic(topic, user):
    """Only the opening post carries the topic's title."""
    reply = services.post_reply(topic=topic, author=user, body="Reply")

    services.edit_post(post=reply, editor=user, body="Reply!", title="Hijacked")

    assert Topic.objects.get(pk=topic.pk).title == "Trust in towns"


# Read marks


@pytest.mark.parametrize(
    ("read_up_to", "positions", "expected"),
    [
        (0, [1, 2, 3], 3),
        (0, [3, 1, 2], 3),
        (0, [1, 2, 4, 5], 2),
        (0, [26, 27, 28], 0),
        (3, [4, 5, 6], 6),
        (3, [1, 2, 3], 3),
        (3, [2, 3, 4, 4, 5], 5),
        (3, [6, 7], 3),
        (10, [1, 2], 10),
        (0, [], 0),
    ],
)
def test_read_mark_moves_only_across_an_unbroken_run(read_up_to, positions, expected):
    """The read mark never skips a post the reader has not been shown."""
    assert (
        services.advance_read_mark(read_up_to=read_up_to, positions=positions)
        == expected
    )


def test_first_visit_creates_read_row(topic, user):
    """Opening a never-read topic records how far the reader got."""
    assert not TopicRead.objects.filter(user=user, topic=topic).exists()

    mark = services.mark_read(user=user, topic=topic, read_up_to=None, positions=[1])

    assert mark == 1
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 1


def test_first_visit_to_a_later_page_records_nothing_read(topic, user):
    """Seeing only a later page first leaves the earlier posts unread."""
    mark = services.mark_read(
        user=user, topic=topic, read_up_to=None, positions=[26, 27]
    )

    assert mark == 0
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 0


def test_read_mark_advances(topic, user):
    """Reading further moves the stored mark forward."""
    services.mark_read(user=user, topic=topic, read_up_to=None, positions=[1, 2])

    services.mark_read(user=user, topic=topic, read_up_to=2, positions=[3, 4])

    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 4


def test_read_mark_never_moves_backwards(topic, user):
    """A stale page view with a lower mark cannot lower the stored mark."""
    services.mark_read(
        user=user, topic=topic, read_up_to=None, positions=[1, 2, 3, 4, 5]
    )

    mark = services.mark_read(user=user, topic=topic, read_up_to=1, positions=[2, 3])

    assert mark == 3
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == 5
    assert TopicRead.objects.filter(user=user, topic=topic).count() == 1


def test_read_marks_are_per_reader(topic, user):
    """One reader's progress does not mark the topic read for another."""
    third = UserFactory()
    services.mark_read(user=user, topic=topic, read_up_to=None, positions=[1])

    assert not TopicRead.objects.filter(user=third, topic=topic).exists()


def test_own_posts_are_read_by_their_author(topic, user):
    """Writing a post moves the author's read mark over it if they were caught up."""
    assert TopicRead.objects.get(user=topic.author, topic=topic).read_up_to == 1
    services.mark_read(user=user, topic=topic, read_up_to=None, positions=[1])
    post = services.post_reply(topic=topic, author=user, body="Mine")
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == post.position
    services.post_reply(topic=topic, author=topic.author, body="Theirs")
    late = services.post_reply(topic=topic, author=user, body="Mine again")
    # The post in between is still unread, so the mark stays.
    assert TopicRead.objects.get(user=user, topic=topic).read_up_to == late.position - 2


# Lock and pin


def test_set_topic_locked_is_idempotent(topic):
    """Locking reports a change once, and unlocking likewise."""
    assert services.set_topic_locked(topic=topic, locked=True) is True
    assert Topic.objects.get(pk=topic.pk).is_locked is True
    assert services.set_topic_locked(topic=topic, locked=True) is False
    assert Topic.objects.get(pk=topic.pk).is_locked is True

    assert services.set_topic_locked(topic=topic, locked=False) is True
    assert Topic.objects.get(pk=topic.pk).is_locked is False
    assert services.set_topic_locked(topic=topic, locked=False) is False
    assert Topic.objects.get(pk=topic.pk).is_locked is False


def test_set_topic_pinned_is_idempotent(topic):
    """Pinning reports a change once, and unpinning likewise."""
    assert services.set_topic_pinned(topic=topic, pinned=False) is False
    assert services.set_topic_pinned(topic=topic, pinned=True) is True
    assert Topic.objects.get(pk=topic.pk).is_pinned is True
    assert services.set_topic_pinned(topic=topic, pinned=True) is False
    assert Topic.objects.get(pk=topic.pk).is_pinned is True

    assert services.set_topic_pinned(topic=topic, pinned=False) is True
    assert Topic.objects.get(pk=topic.pk).is_pinned is False


def test_unlocked_topic_takes_replies_again(topic):
    """After unlocking, replies are accepted again."""
    services.set_topic_locked(topic=topic, locked=True)
    services.set_topic_locked(topic=topic, locked=False)

    reply = services.post_reply(topic=topic, author=UserFactory(), body="Back")

    assert reply.position == 2


def test_mark_all_read_covers_one_category_or_the_forum(user):
    """Marking a category read leaves other categories' topics new; marking the
    forum read covers every topic the reader may see, and no hidden category."""
    here, there = CategoryFactory(), CategoryFactory()
    private = configure(CategoryFactory(), visibility=Category.Visibility.PRIVATE)
    topics = [TopicFactory(category=c, replies=2) for c in (here, there, private)]
    services.mark_read(user=user, topic=topics[0], read_up_to=None, positions=[1])

    assert services.mark_all_read(user=user, category=here) == 1
    marks = dict(TopicRead.objects.filter(user=user).values_list("topic", "read_up_to"))
    assert marks == {topics[0].pk: 3}

    assert services.mark_all_read(user=user) == 2
    marks = dict(TopicRead.objects.filter(user=user).values_list("topic", "read_up_to"))
    assert marks == {topics[0].pk: 3, topics[1].pk: 3}
