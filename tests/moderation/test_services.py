"""Moderation actions: each changes state and writes exactly one audit entry;
repeating an action that changes nothing returns False and logs nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum import permissions
from forum import services as forum_services
from forum.exceptions import TopicLocked
from forum.models import Post, PostRevision, Topic
from forum.permissions import facilitator_ids
from moderation import services
from moderation.models import AuditEntry, Facilitator, Member, Report
from moderation.queries import my_reports
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, fresh


@pytest.fixture
def reply(topic, user):
    return ReplyFactory(topic=topic, author=user, body="Trust grows slowly.")


def one_entry(**filters) -> AuditEntry:
    """The only audit entry there is; it must match filters."""
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, [str(e) for e in entries]
    entry = entries[0]
    for key, value in filters.items():
        assert getattr(entry, key) == value, key
    return entry


def counters(model, pk) -> dict:
    return (
        model.objects.filter(pk=pk)
        .values("post_count", "last_post_id", "last_post_at")
        .get()
    )


# Lock and unlock


def test_lock_sets_state_renders_closing_note_and_logs(topic, facilitator):
    """Locking records who and when, renders the note and logs it with the note."""
    before = timezone.now()

    changed = services.lock_topic(
        topic=topic, actor=facilitator, note="  Thank you all. **Summary** next.  "
    )

    assert changed is True
    topic = fresh(topic)
    assert topic.is_locked
    assert topic.locked_by_name == "Mira Sol"
    assert before <= topic.locked_at <= timezone.now()
    assert topic.closing_note == "Thank you all. **Summary** next."
    assert "<strong>Summary</strong>" in topic.closing_note_html
    entry = one_entry(
        actor=facilitator,
        actor_name="Mira Sol",
        action=AuditEntry.Action.LOCK,
        topic=topic,
        category=topic.category,
        reason="Thank you all. **Summary** next.",
    )
    assert entry.target_label == "'Trust in towns'"


def test_lock_note_is_sanitised(topic, facilitator):
    """A closing note cannot carry script into the page."""
    services.lock_topic(
        topic=topic, actor=facilitator, note="<script>alert(1)</script> Closed."
    )

    html = fresh(topic).closing_note_html
    assert "<script" not in html
    assert "Closed." in html


def test_lock_without_note_leaves_note_empty(topic, facilitator):
    """A lock without a note shows no closing note."""
    assert services.lock_topic(topic=topic, actor=facilitator) is True

    topic = fresh(topic)
    assert topic.is_locked
    assert topic.closing_note == ""
    assert topic.closing_note_html == ""


def test_locking_a_locked_topic_changes_nothing(topic, facilitator):
    """A second lock returns False, keeps the first note and logs nothing."""
    services.lock_topic(topic=topic, actor=facilitator, note="First note")
    other = make_facilitator(topic.category, display_name="Other Facilitator")

    assert services.lock_topic(topic=topic, actor=other, note="Second") is False

    topic = fresh(topic)
    assert topic.closing_note == "First note"
    assert topic.locked_by_name == "Mira Sol"
    assert AuditEntry.objects.count() == 1


def test_unlock_reopens_and_logs(topic, facilitator):
    """Unlocking reopens the topic for replies and logs the reason."""
    services.lock_topic(topic=topic, actor=facilitator)
    AuditEntry.objects.all().delete()

    assert services.unlock_topic(topic=topic, actor=facilitator, reason="Oops")

    topic = fresh(topic)
    assert not topic.is_locked
    one_entry(
        actor=facilitator, action=AuditEntry.Action.UNLOCK, topic=topic, reason="Oops"
    )
    ReplyFactory(topic=topic)  # replies are taken again


def test_unlocking_an_open_topic_changes_nothing(topic, facilitator):
    """Unlocking a topic that is not locked returns False and logs nothing."""
    assert services.unlock_topic(topic=topic, actor=facilitator) is False
    assert AuditEntry.objects.count() == 0


def test_two_facilitators_locking_at_once_lock_once(topic, facilitator):
    """Of two locks from stale copies of the topic, one wins and one entry is
    written."""
    other = make_facilitator(topic.category, display_name="Other Facilitator")
    first_copy, second_copy = fresh(topic), fresh(topic)

    results = [
        services.lock_topic(topic=first_copy, actor=facilitator, note="A"),
        services.lock_topic(topic=second_copy, actor=other, note="B"),
    ]

    assert sorted(results) == [False, True]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOCK).count() == 1
    assert fresh(topic).closing_note == "A"


# Pin, rename, move


def test_pin_and_unpin_log_each_change(topic, facilitator):
    """Pinning and unpinning each change the flag and write one entry."""
    assert services.pin_topic(topic=topic, actor=facilitator, pinned=True)
    assert fresh(topic).is_pinned
    one_entry(actor=facilitator, action=AuditEntry.Action.PIN, topic=topic)

    assert services.pin_topic(topic=topic, actor=facilitator, pinned=False)
    assert not fresh(topic).is_pinned
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "unpin",
        "pin",
    ]


def test_pinning_twice_changes_nothing(topic, facilitator):
    """Pinning a pinned topic or unpinning an unpinned one logs nothing."""
    assert services.pin_topic(topic=topic, actor=facilitator, pinned=False) is False
    services.pin_topic(topic=topic, actor=facilitator, pinned=True)

    assert services.pin_topic(topic=topic, actor=facilitator, pinned=True) is False
    assert fresh(topic).is_pinned
    assert AuditEntry.objects.count() == 1


def test_rename_changes_title_and_logs_before_and_after(topic, facilitator):
    """Renaming stores the trimmed title and logs the old and new titles."""
    assert services.rename_topic(
        topic=topic, actor=facilitator, title="  Trust between towns  "
    )

    assert fresh(topic).title == "Trust between towns"
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.RENAME,
        topic=topic,
        before={"title": "Trust in towns"},
        after={"title": "Trust between towns"},
    )


def test_rename_to_same_title_changes_nothing(topic, facilitator):
    """The same title (give or take spaces) returns False and logs nothing."""
    assert (
        services.rename_topic(topic=topic, actor=facilitator, title=" Trust in towns ")
        is False
    )
    assert AuditEntry.objects.count() == 0


def test_move_recounts_both_categories_and_logs(topic, facilitator, admin):
    """Moving a topic moves its topic and post counts and last posts."""
    source = topic.category
    target = CategoryFactory(name="Elsewhere")
    TopicFactory(category=target, title="Already there")
    stays = TopicFactory(category=source, title="Stays here")
    ReplyFactory(topic=topic)
    last_in_topic = ReplyFactory(topic=topic)

    assert services.move_topic(topic=topic, actor=admin, category=target) is True

    assert fresh(topic).category_id == target.pk
    source, target = fresh(source), fresh(target)
    assert (source.topic_count, source.post_count) == (1, 1)
    assert source.last_post_id == stays.first_post_id
    assert (target.topic_count, target.post_count) == (2, 4)
    assert target.last_post_id == last_in_topic.pk
    one_entry(
        actor=admin,
        action=AuditEntry.Action.MOVE,
        topic=topic,
        category=target,
        before={"category": "Dialogues"},
        after={"category": "Elsewhere"},
    )


def test_move_leaves_pending_posts_uncounted(topic, facilitator):
    """A post awaiting approval is not counted in either category after a move."""
    category = configure(topic.category, approval_threshold=1)
    newcomer = UserFactory()
    pending = forum_services.post_reply(topic=topic, author=newcomer, body="Hi")
    assert pending.status == Post.Status.PENDING
    target = CategoryFactory()

    services.move_topic(topic=topic, actor=facilitator, category=target)

    assert fresh(category).post_count == 0
    assert fresh(target).post_count == 1


def test_move_to_same_category_changes_nothing(topic, facilitator):
    """Moving a topic to where it is returns False and logs nothing."""
    assert (
        services.move_topic(topic=topic, actor=facilitator, category=topic.category)
        is False
    )
    assert AuditEntry.objects.count() == 0


# Hide and unhide


def test_hide_keeps_text_and_logs_reason(reply, facilitator):
    """Hiding records who, when and why; the post and its text stay."""
    assert services.hide_post(post=reply, actor=facilitator, reason=" Personal data ")

    post = fresh(reply)
    assert post.is_hidden
    assert post.hidden_reason == "Personal data"
    assert post.hidden_by_name == "Mira Sol"
    assert post.hidden_at is not None
    assert post.body == "Trust grows slowly."
    assert post.position == 2
    assert fresh(reply.topic).post_count == 2
    entry = one_entry(
        actor=facilitator,
        action=AuditEntry.Action.HIDE,
        post=reply,
        topic=reply.topic,
        category=reply.topic.category,
        reason="Personal data",
    )
    assert entry.target_label == "post #2 by Rosa Ilunga in 'Trust in towns'"


def test_hiding_a_hidden_post_changes_nothing(reply, facilitator):
    """A second hide returns False, keeps the first reason and logs nothing."""
    services.hide_post(post=reply, actor=facilitator, reason="First")

    assert services.hide_post(post=reply, actor=facilitator, reason="Second") is False
    assert fresh(reply).hidden_reason == "First"
    assert AuditEntry.objects.count() == 1


def test_hiding_from_two_stale_copies_hides_once(reply, facilitator):
    """Two hides of the same post loaded before either ran: one wins."""
    other = make_facilitator(reply.topic.category)
    first_copy, second_copy = fresh(reply), fresh(reply)

    results = [
        services.hide_post(post=first_copy, actor=facilitator, reason="A"),
        services.hide_post(post=second_copy, actor=other, reason="B"),
    ]

    assert sorted(results) == [False, True]
    assert fresh(reply).hidden_reason == "A"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.HIDE).count() == 1


def test_unhide_shows_post_again_and_logs_old_reason(reply, facilitator):
    """Unhiding clears the flag and logs the reason it was hidden for."""
    services.hide_post(post=reply, actor=facilitator, reason="Heated")
    AuditEntry.objects.all().delete()

    assert services.unhide_post(post=reply, actor=facilitator, reason="Calmer now")

    post = fresh(reply)
    assert not post.is_hidden
    assert post.body == "Trust grows slowly."
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.UNHIDE,
        post=reply,
        reason="Calmer now",
        before={"hidden_reason": "Heated"},
    )


def test_unhiding_a_visible_post_changes_nothing(reply, facilitator):
    """Unhiding a post that is not hidden returns False and logs nothing."""
    assert services.unhide_post(post=reply, actor=facilitator) is False
    assert AuditEntry.objects.count() == 0


# Editing others' posts


def test_facilitator_edit_keeps_revision_and_logs_before_after(reply, facilitator):
    """A facilitator's edit of another's post keeps the old text as a revision
    and is logged with both texts."""
    forum_services.edit_post(
        post=reply, editor=facilitator, body="Trust grows. [contact removed]"
    )

    post = fresh(reply)
    assert post.body == "Trust grows. [contact removed]"
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=reply)
    assert revision.body == "Trust grows slowly."
    assert revision.editor == facilitator
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.EDIT,
        post=reply,
        before={"subject": "", "body": "Trust grows slowly."},
        after={"subject": "", "body": "Trust grows. [contact removed]"},
    )


def test_authors_own_edit_is_not_logged(reply, user):
    """An author editing their own post keeps a revision but writes no entry."""
    forum_services.edit_post(post=reply, editor=user, body="Trust grows.")

    assert PostRevision.objects.filter(post=reply).count() == 1
    assert AuditEntry.objects.count() == 0


def test_edit_without_change_writes_nothing(reply, facilitator):
    """Saving the same text keeps no revision and logs nothing."""
    forum_services.edit_post(post=reply, editor=facilitator, body=reply.body)

    assert PostRevision.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_locked_topic_refuses_author_edit_but_takes_forced_one(
    reply, user, facilitator
):
    """In a locked topic the author cannot edit; a facilitator can with force."""
    services.lock_topic(topic=reply.topic, actor=facilitator)

    with pytest.raises(TopicLocked):
        forum_services.edit_post(post=reply, editor=user, body="Changed my mind")
    assert fresh(reply).body == "Trust grows slowly."

    forum_services.edit_post(
        post=reply, editor=facilitator, body="Removed a name.", force=True
    )
    assert fresh(reply).body == "Removed a name."
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EDIT).count() == 1


# Approval


@pytest.fixture
def held(topic):
    """A category holding a newcomer's first reply, and that reply."""
    configure(topic.category, approval_threshold=1)
    newcomer = UserFactory(display_name="Nia New")
    post = forum_services.post_reply(
        topic=topic, author=newcomer, body="My first words here."
    )
    assert post.status == Post.Status.PENDING
    return post


def test_pending_post_is_not_counted_and_has_no_position(held):
    """A held post stays out of the thread and out of the counters."""
    topic = fresh(held.topic)
    assert held.position is None
    assert topic.post_count == 1
    assert topic.last_post_id == topic.first_post_id
    assert fresh(topic.category).post_count == 1


def test_approve_places_post_at_the_end_and_bumps_counters(held, facilitator):
    """An approved post takes the next position and is counted everywhere."""
    # A published reply by the topic's starter after it was held.
    ReplyFactory(topic=held.topic, author=held.topic.author)

    assert services.approve_post(post=held, actor=facilitator) is True

    post = fresh(held)
    assert post.status == Post.Status.PUBLISHED
    assert post.position == 3
    topic = fresh(held.topic)
    assert topic.post_count == 3
    assert topic.last_post_id == post.pk
    category = fresh(topic.category)
    assert category.post_count == 3
    assert category.last_post_id == post.pk
    one_entry(actor=facilitator, action=AuditEntry.Action.APPROVE, post=held)


def test_approving_a_published_post_changes_nothing(held, facilitator):
    """Approving twice returns False, leaves the counters and logs once."""
    services.approve_post(post=held, actor=facilitator)
    before = counters(Topic, held.topic_id)

    assert services.approve_post(post=held, actor=facilitator) is False
    assert counters(Topic, held.topic_id) == before
    assert AuditEntry.objects.count() == 1


def test_return_keeps_text_and_reason_and_logs(held, facilitator):
    """A returned post keeps its text and the reason for its author."""
    assert services.return_post(
        post=held, actor=facilitator, reason=" Please drop the surname. "
    )

    post = fresh(held)
    assert post.status == Post.Status.RETURNED
    assert post.return_reason == "Please drop the surname."
    assert post.body == "My first words here."
    assert post.position is None
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.RETURN,
        post=held,
        reason="Please drop the surname.",
    )


def test_returning_a_non_pending_post_changes_nothing(held, facilitator):
    """Only posts awaiting approval can be returned."""
    reply = Post.objects.get(pk=held.topic.first_post_id)
    services.return_post(post=held, actor=facilitator, reason="Once")

    assert services.return_post(post=held, actor=facilitator, reason="Twice") is False
    assert services.return_post(post=reply, actor=facilitator, reason="No") is False
    assert fresh(held).return_reason == "Once"
    assert fresh(reply).status == Post.Status.PUBLISHED
    assert AuditEntry.objects.count() == 1


def test_author_edit_of_returned_post_resubmits_it(held, facilitator):
    """The author's edit sends a returned post back for approval with the new
    text; the old text is kept as a revision."""
    services.return_post(post=held, actor=facilitator, reason="Too sharp")

    forum_services.edit_post(
        post=fresh(held), editor=held.author, body="My first, kinder words."
    )

    post = fresh(held)
    assert post.status == Post.Status.PENDING
    assert post.body == "My first, kinder words."
    assert post.position is None
    assert [r.body for r in post.revisions.all()] == ["My first words here."]
    # Back in the queue: it can be approved now.
    assert services.approve_post(post=post, actor=facilitator) is True
    assert fresh(held).return_reason == ""


def test_approval_threshold_holds_first_posts_until_approved(topic, facilitator):
    """With a threshold of 2 a newcomer's posts wait until 2 were approved."""
    configure(topic.category, approval_threshold=2)
    newcomer = UserFactory()

    def say(text):
        return forum_services.post_reply(topic=topic, author=newcomer, body=text)

    first, second = say("One"), say("Two")
    assert [first.status, second.status] == ["pending", "pending"]
    assert [first.position, second.position] == [None, None]
    assert fresh(topic).post_count == 1

    services.approve_post(post=first, actor=facilitator)
    third = say("Three")
    assert third.status == Post.Status.PENDING

    services.approve_post(post=second, actor=facilitator)
    fourth = say("Four")
    assert fourth.status == Post.Status.PUBLISHED
    assert fourth.position == 4
    assert fresh(topic).post_count == 4


def test_facilitators_and_admins_are_never_held(topic, facilitator, admin):
    """Facilitators and admins post straight into the thread."""
    configure(topic.category, approval_threshold=5)

    posts = [
        forum_services.post_reply(topic=topic, author=facilitator, body="Welcome"),
        forum_services.post_reply(topic=topic, author=admin, body="Hello"),
    ]

    assert [p.status for p in posts] == ["published", "published"]
    assert fresh(topic).post_count == 3


def test_threshold_counts_only_this_category(topic):
    """Approved posts elsewhere do not let a newcomer past this category."""
    newcomer = UserFactory()
    elsewhere = TopicFactory()
    ReplyFactory(topic=elsewhere, author=newcomer)
    ReplyFactory(topic=elsewhere, author=newcomer, body="Again")
    configure(topic.category, approval_threshold=1)

    post = forum_services.post_reply(topic=topic, author=newcomer, body="Here")

    assert post.status == Post.Status.PENDING


# Reports


def test_report_is_filed_once_per_user_and_post(reply, other_user):
    """A second report of the same post by the same user is refused."""
    report = services.report_post(
        post=reply, reporter=other_user, reason="abuse", text="  Name-calling.  "
    )

    assert report.status == Report.Status.OPEN
    assert report.text == "Name-calling."
    with pytest.raises(services.AlreadyReported):
        services.report_post(post=reply, reporter=other_user, reason="spam")
    assert Report.objects.count() == 1
    # Another user may still report it.
    services.report_post(post=reply, reporter=UserFactory(), reason="spam")
    assert Report.objects.count() == 2
    assert AuditEntry.objects.count() == 0


def test_resolve_with_hide_hides_post_and_closes_all_its_reports(
    reply, other_user, facilitator
):
    """Hiding closes every open report on the post; each reporter sees it."""
    first = services.report_post(post=reply, reporter=other_user, reason="abuse")
    second = services.report_post(post=reply, reporter=UserFactory(), reason="spam")
    unrelated = services.report_post(
        post=reply.topic.first_post, reporter=UserFactory(), reason="spam"
    )

    assert services.resolve_report(
        report=first, actor=facilitator, hide=True, reason="Insults"
    )

    post = fresh(reply)
    assert post.is_hidden
    assert post.hidden_reason == "Insults"
    for report in (first, second):
        report = fresh(report)
        assert report.status == Report.Status.HIDDEN
        assert report.resolved_by_name == "Mira Sol"
        assert report.resolved_at is not None
    assert fresh(unrelated).status == Report.Status.OPEN
    assert [r.status for r in my_reports(viewer=other_user)] == ["hidden"]
    resolve = AuditEntry.objects.get(action=AuditEntry.Action.RESOLVE)
    assert resolve.actor == facilitator
    assert resolve.post_id == reply.pk
    assert resolve.reason == "Insults"
    assert resolve.after == {"outcome": "hidden"}
    hide = AuditEntry.objects.get(action=AuditEntry.Action.HIDE)
    assert hide.post_id == reply.pk
    assert AuditEntry.objects.count() == 2


def test_resolve_with_hide_without_reason_uses_report_reason(
    reply, other_user, facilitator
):
    """Without a typed reason, the author sees the report's reason."""
    report = services.report_post(post=reply, reporter=other_user, reason="spam")

    services.resolve_report(report=report, actor=facilitator, hide=True)

    assert fresh(reply).hidden_reason == "Spam or advertising"


def test_dismiss_closes_reports_and_leaves_post(reply, other_user, facilitator):
    """Dismissing leaves the post shown and closes all its open reports."""
    first = services.report_post(post=reply, reporter=other_user, reason="other")
    second = services.report_post(post=reply, reporter=UserFactory(), reason="spam")

    assert services.resolve_report(report=second, actor=facilitator, hide=False)

    assert not fresh(reply).is_hidden
    assert {fresh(first).status, fresh(second).status} == {"dismissed"}
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.RESOLVE,
        post=reply,
        after={"outcome": "dismissed"},
    )


def test_resolving_a_resolved_report_changes_nothing(reply, other_user, facilitator):
    """A report handled already returns False and logs nothing more."""
    report = services.report_post(post=reply, reporter=other_user, reason="spam")
    services.resolve_report(report=report, actor=facilitator, hide=False)

    assert services.resolve_report(report=report, actor=facilitator, hide=True) is False
    assert not fresh(reply).is_hidden
    assert fresh(report).status == Report.Status.DISMISSED
    assert AuditEntry.objects.count() == 1


# Suspension


def test_suspend_until_a_date_then_it_lapses(user, admin):
    """A dated suspension stops posting until the date passes."""
    until = timezone.now() + timedelta(days=7)

    assert services.suspend_user(user=user, actor=admin, reason="Spam", until=until)

    user = fresh(user)
    assert user.is_suspended
    assert user.suspended_until == until
    assert user.suspension_reason == "Spam"
    one_entry(
        actor=admin,
        action=AuditEntry.Action.SUSPEND,
        target_user=user,
        category=None,
        reason="Spam",
        after={"until": until.isoformat()},
    )
    User.objects.filter(pk=user.pk).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )
    assert not fresh(user).is_suspended


def test_suspend_indefinitely_lasts_until_lifted(user, admin):
    """Without a date the suspension has no end."""
    assert services.suspend_user(user=user, actor=admin, reason="Threats")

    user = fresh(user)
    assert user.is_suspended
    assert user.suspended_until is None
    User.objects.filter(pk=user.pk).update(
        suspended_at=timezone.now() - timedelta(days=3650)
    )
    assert fresh(user).is_suspended
    one_entry(
        action=AuditEntry.Action.SUSPEND,
        target_user=user,
        after={"until": "lifted by hand"},
    )


def test_suspending_a_suspended_user_changes_nothing(user, admin):
    """A second suspension returns False and keeps the first reason."""
    services.suspend_user(user=user, actor=admin, reason="First")

    assert services.suspend_user(user=user, actor=admin, reason="Second") is False
    assert fresh(user).suspension_reason == "First"
    assert AuditEntry.objects.count() == 1


def test_a_lapsed_suspension_can_be_renewed(user, admin):
    """Once a suspension has passed a new one takes effect."""
    services.suspend_user(
        user=user, actor=admin, reason="First", until=timezone.now() + timedelta(1)
    )
    User.objects.filter(pk=user.pk).update(
        suspended_until=timezone.now() - timedelta(minutes=1)
    )

    assert services.suspend_user(user=user, actor=admin, reason="Again")
    assert fresh(user).is_suspended
    assert AuditEntry.objects.filter(action="suspend").count() == 2


def test_unsuspend_lifts_and_logs_the_old_reason(user, admin):
    """Lifting a suspension lets the user post again."""
    services.suspend_user(user=user, actor=admin, reason="Spam")
    AuditEntry.objects.all().delete()

    assert services.unsuspend_user(user=user, actor=admin) is True

    user = fresh(user)
    assert not user.is_suspended
    assert user.suspended_at is None
    one_entry(
        actor=admin,
        action=AuditEntry.Action.UNSUSPEND,
        target_user=user,
        before={"reason": "Spam"},
    )


def test_unsuspending_an_active_user_changes_nothing(user, admin):
    """Lifting a suspension nobody has returns False and logs nothing."""
    assert services.unsuspend_user(user=user, actor=admin) is False
    assert AuditEntry.objects.count() == 0


def test_suspend_and_hide_cleans_up_several_accounts(topic, admin, user):
    """Every chosen account is suspended and all its posts hidden, each logged."""
    spammers = [UserFactory(), UserFactory()]
    spam = [
        ReplyFactory(topic=topic, author=spammers[0], body="Buy now"),
        ReplyFactory(topic=topic, author=spammers[0], body="Cheap"),
        ReplyFactory(topic=topic, author=spammers[1], body="Click"),
    ]
    other_topic = TopicFactory(author=spammers[1], title="Deals")
    innocent = ReplyFactory(topic=topic, author=user, body="Hello")

    hidden = services.suspend_and_hide(users=spammers, actor=admin, reason="Spam")

    assert hidden == 4
    assert all(fresh(u).is_suspended for u in spammers)
    for post in [*spam, other_topic.first_post]:
        post = fresh(post)
        assert post.is_hidden
        assert post.hidden_reason == "Spam"
        assert post.body  # nothing deleted
    assert not fresh(innocent).is_hidden
    assert not fresh(user).is_suspended
    suspends = AuditEntry.objects.filter(action=AuditEntry.Action.SUSPEND)
    assert {e.target_user_id for e in suspends} == {u.pk for u in spammers}
    hides = AuditEntry.objects.filter(action=AuditEntry.Action.HIDE)
    assert {e.post_id for e in hides} == {
        *(p.pk for p in spam),
        other_topic.first_post_id,
    }
    assert AuditEntry.objects.count() == 6
    assert set(AuditEntry.objects.values_list("actor", flat=True)) == {admin.pk}


# Roles and members


def test_appoint_facilitator_sets_flag_and_cache_and_logs(category, user, admin):
    """An appointment shows at once in facilitator_ids and on the user."""
    assert facilitator_ids(category_id=category.pk) == set()  # cached empty

    assert services.appoint_facilitator(user=user, category=category, actor=admin)

    assert fresh(user).is_facilitator
    assert facilitator_ids(category_id=category.pk) == {user.pk}
    one_entry(
        actor=admin,
        action=AuditEntry.Action.APPOINT,
        category=category,
        target_user=user,
        target_label="Rosa Ilunga",
    )


def test_appointing_twice_changes_nothing(category, user, admin):
    """A second appointment to the same category returns False and logs nothing."""
    services.appoint_facilitator(user=user, category=category, actor=admin)

    assert (
        services.appoint_facilitator(user=user, category=category, actor=admin) is False
    )
    assert Facilitator.objects.count() == 1
    assert AuditEntry.objects.count() == 1


def test_remove_facilitator_updates_flag_cache_and_logs(category, user, admin):
    """Removing the last role clears the flag; the cached set forgets the user."""
    other = CategoryFactory()
    services.appoint_facilitator(user=user, category=category, actor=admin)
    services.appoint_facilitator(user=user, category=other, actor=admin)
    assert facilitator_ids(category_id=category.pk) == {user.pk}  # cached
    AuditEntry.objects.all().delete()

    assert services.remove_facilitator(user=user, category=category, actor=admin)

    assert facilitator_ids(category_id=category.pk) == set()
    assert fresh(user).is_facilitator  # still facilitates `other`
    one_entry(
        actor=admin,
        action=AuditEntry.Action.REMOVE,
        category=category,
        target_user=user,
    )

    services.remove_facilitator(user=user, category=other, actor=admin)
    assert not fresh(user).is_facilitator


def test_a_role_saved_or_deleted_anywhere_is_seen_at_once(category, user):
    """The admin (or a shell) saves and deletes Facilitator rows itself: the cached
    set forgets them all the same."""
    assert facilitator_ids(category_id=category.pk) == set()  # cached empty
    role = Facilitator.objects.create(user=user, category=category)
    assert facilitator_ids(category_id=category.pk) == {user.pk}
    role.delete()
    assert facilitator_ids(category_id=category.pk) == set()
    Facilitator.objects.create(user=user, category=category)
    assert facilitator_ids(category_id=category.pk) == {user.pk}
    Facilitator.objects.filter(category=category).delete()
    assert facilitator_ids(category_id=category.pk) == set()


def test_the_facilitators_are_kept_a_day(category, user, monkeypatch):
    """Forgotten on every change, so kept long: a topic page's shared reads,
    refilled after every change on the site, find them in the cache."""
    kept = {}
    set_ = permissions.cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        kept[key] = timeout
        return set_(key, value, timeout, **kwargs)

    monkeypatch.setattr(permissions.cache, "set", recording_set)
    facilitator_ids(category_id=category.pk)
    assert list(kept.values()) == [24 * 3600]


def test_removing_a_non_facilitator_changes_nothing(category, user, admin):
    """Removing a role the user does not have returns False and logs nothing."""
    assert (
        services.remove_facilitator(user=user, category=category, actor=admin) is False
    )
    assert AuditEntry.objects.count() == 0


def test_add_and_remove_member_log_each(category, user, facilitator):
    """Adding and removing a member each write one entry; repeats write none."""
    assert services.add_member(user=user, category=category, actor=facilitator)
    assert Member.objects.filter(user=user, category=category).exists()
    one_entry(
        actor=facilitator,
        action=AuditEntry.Action.ADD_MEMBER,
        category=category,
        target_user=user,
    )
    assert services.add_member(user=user, category=category, actor=facilitator) is False
    assert AuditEntry.objects.count() == 1

    assert services.remove_member(user=user, category=category, actor=facilitator)
    assert not Member.objects.filter(user=user, category=category).exists()
    removal = AuditEntry.objects.get(action=AuditEntry.Action.REMOVE_MEMBER)
    assert (removal.actor, removal.target_user) == (facilitator, user)
    assert (
        services.remove_member(user=user, category=category, actor=facilitator) is False
    )
    assert AuditEntry.objects.count() == 2
