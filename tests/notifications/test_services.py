"""Who is notified of what: each kind once, for exactly the right people."""

import pytest
from django.db import transaction

from accounts.models import User
from forum import services
from moderation import services as moderation_services
from moderation.models import Report
from notifications import services as notifications
from notifications.models import Notification, Watch
from tests.factories import TopicFactory, UserFactory, make_facilitator
from tests.helpers import configure
from tests.notifications.conftest import private_category

Kind = Notification.Kind


def kinds_for(post) -> dict[str, str]:
    """username -> kind of every notification about post."""
    return {
        n.recipient.username: n.kind
        for n in Notification.objects.filter(post=post).select_related("recipient")
    }


def reply(topic, author, body="A thought.", **kwargs):
    return services.post_reply(topic=topic, author=author, body=body, **kwargs)


def test_reply_notifies_the_parent_author_once(dialogue, starter, user):
    """A reply to the opening post notifies its author, and nobody else."""
    post = reply(dialogue, user)
    assert kinds_for(post) == {"starter": Kind.REPLY}


def test_reply_to_a_reply_notifies_its_author_and_watchers(dialogue, starter, user):
    """Replying under someone's post notifies them (reply) and the topic's
    watchers (watched); never the writer."""
    first = reply(dialogue, user)
    other = UserFactory(username="other")
    post = reply(dialogue, other, parent=first)
    # The starter watches the topic they started; the first writer too, but the
    # reply to them wins.
    assert kinds_for(post) == {"starter": Kind.WATCHED, user.username: Kind.REPLY}


def test_quote_notifies_the_quoted_author(dialogue, user):
    quoted = reply(dialogue, user)
    other = UserFactory(username="quoter")
    post = reply(dialogue, other, body="> quoted\n\nYes.", quoting=quoted)
    assert kinds_for(post)[user.username] == Kind.QUOTE


def test_own_actions_notify_nobody_about_themselves(dialogue, starter):
    """A reply to one's own post, quoting oneself, mentioning oneself: nothing
    for the writer."""
    post = reply(dialogue, starter, body="@starter me", quoting=None)
    assert kinds_for(post) == {}


def test_follow_up_outranks_everything(dialogue, category, user):
    """A facilitator's follow-up question that also quotes, replies to and
    mentions the participant gives them one notification: the follow-up."""
    answered = reply(dialogue, user)
    facilitator = make_facilitator(category, username="fac")
    post = reply(
        dialogue,
        facilitator,
        body=f"@{user.username} could you say more?",
        parent=answered,
        quoting=answered,
        follow_up=True,
    )
    assert Notification.objects.filter(post=post, recipient=user).count() == 1
    assert kinds_for(post)[user.username] == Kind.FOLLOW_UP


def test_mention_outranks_quote_and_reply(dialogue, user):
    answered = reply(dialogue, user)
    other = UserFactory(username="writer")
    post = reply(dialogue, other, body=f"Thanks @{user.username}", parent=answered)
    assert kinds_for(post)[user.username] == Kind.MENTION


def test_mentions_notify_existing_users_outside_quotes_at_most_ten(dialogue):
    """Only the first ten names mentioned notify; unknown names and names in a
    quote do not."""
    people = [UserFactory(username=f"person{n}") for n in range(12)]
    quoted_only = UserFactory(username="quotedonly")
    writer = UserFactory(username="writer")
    body = (
        "> @quotedonly said so\n\n"
        + " ".join(f"@{p.username}" for p in people)
        + " @nobody_here"
    )
    post = reply(dialogue, writer, body=body)
    mentioned = {
        n.recipient.username
        for n in Notification.objects.filter(post=post, kind=Kind.MENTION)
    }
    assert mentioned == {f"person{n}" for n in range(10)}
    assert not Notification.objects.filter(recipient=quoted_only).exists()


def test_mentions_in_code_do_not_notify(dialogue):
    target = UserFactory(username="coder")
    writer = UserFactory(username="writer")
    post = reply(dialogue, writer, body="`@coder` and\n\n    @coder")
    assert "coder" not in kinds_for(post)
    assert target.notifications.count() == 0


def test_an_edit_adding_a_mention_notifies_once(dialogue, user):
    post = reply(dialogue, user, body="Plain.")
    target = UserFactory(username="added")
    services.edit_post(post=post, editor=user, body="Plain. cc @added")
    services.edit_post(post=post, editor=user, body="Plain. cc @added again")
    assert list(target.notifications.values_list("kind", flat=True)) == [Kind.MENTION]


def test_category_watchers_hear_of_new_topics_and_posts(category, user):
    watcher = UserFactory(username="watcher")
    notifications.set_category_watch(user=watcher, category=category, watching=True)
    topic = TopicFactory(category=category, author=user)
    opening = Notification.objects.get(recipient=watcher)
    assert opening.kind == Kind.WATCHED and opening.post_id == topic.first_post_id
    assert opening.reason == Notification.Reason.NEW_TOPIC
    assert opening.reason_params == {"name": category.name}
    post = reply(topic, UserFactory())
    assert kinds_for(post)["watcher"] == Kind.WATCHED


def test_muting_a_topic_overrides_watching_its_category(category, dialogue):
    watcher = UserFactory(username="watcher")
    notifications.set_category_watch(user=watcher, category=category, watching=True)
    notifications.set_topic_watch(user=watcher, topic=dialogue, level=Watch.Level.MUTED)
    post = reply(dialogue, UserFactory())
    assert "watcher" not in kinds_for(post)


def test_auto_watch_follows_the_preference(dialogue, user):
    """Replying watches the topic, unless the writer turned that off; a muted
    topic is not watched again."""
    reply(dialogue, user)
    assert Watch.objects.filter(user=user, topic=dialogue, level="watching").exists()
    quiet = UserFactory(username="quiet")
    notifications.update_settings(user=quiet, auto_watch=False)
    reply(dialogue, quiet)
    assert not Watch.objects.filter(user=quiet).exists()
    notifications.set_topic_watch(user=user, topic=dialogue, level=Watch.Level.MUTED)
    reply(dialogue, user)
    assert Watch.objects.get(user=user, topic=dialogue).level == Watch.Level.MUTED


def test_members_only_posts_notify_only_those_who_may_see_them(user):
    """An outsider who watched (or is mentioned in) a members-only category
    hears nothing of it."""
    private = private_category()
    facilitator = make_facilitator(private, username="fac")
    outsider = UserFactory(username="outsider")
    Watch.objects.create(user=outsider, category=private)
    topic = TopicFactory(category=private, author=facilitator)
    post = reply(topic, facilitator, body="Hello @outsider")
    assert not Notification.objects.filter(recipient=outsider).exists()
    assert kinds_for(post) == {}


def test_a_post_awaiting_approval_notifies_when_approved(category, starter):
    configure(category, approval_threshold=1)
    category.refresh_from_db()
    topic = TopicFactory(category=category, author=make_facilitator(category))
    newcomer = UserFactory(username="newcomer")
    UserFactory(username="mentioned")
    post = reply(topic, newcomer, body="Hi @mentioned")
    assert not Notification.objects.filter(post=post).exists()
    facilitator = make_facilitator(category, username="approver")
    moderation_services.approve_post(post=post, actor=facilitator)
    assert kinds_for(post) == {
        topic.author.username: Kind.REPLY,
        "mentioned": Kind.MENTION,
    }


def test_hidden_post_disappears_except_for_facilitators(category, dialogue, user):
    """Hiding a post withdraws its notifications from participants, not from the
    category's facilitators; unhiding brings them back. Its author is told."""
    facilitator = make_facilitator(category, username="fac")
    notifications.set_topic_watch(
        user=facilitator, topic=dialogue, level=Watch.Level.WATCHING
    )
    post = reply(dialogue, user)
    starter = dialogue.author
    starter.refresh_from_db()
    assert starter.unread_notifications == 1
    moderation_services.hide_post(post=post, actor=facilitator, reason="Off topic")
    withdrawn = dict(
        Notification.objects.filter(post=post).values_list("recipient_id", "withdrawn")
    )
    assert withdrawn[starter.pk] is True
    assert withdrawn[facilitator.pk] is False
    starter.refresh_from_db()
    assert starter.unread_notifications == 0
    told = Notification.objects.get(recipient=user, kind=Kind.POST_HIDDEN)
    assert told.reason == Notification.Reason.NONE and told.actor == facilitator
    assert told.reason_params == {"note": "Off topic"}
    moderation_services.unhide_post(post=post, actor=facilitator)
    starter.refresh_from_db()
    assert starter.unread_notifications == 1
    assert Notification.objects.filter(recipient=user, kind=Kind.POST_UNHIDDEN).exists()


def test_report_handled_tells_every_reporter_once(category, dialogue, user):
    post = reply(dialogue, user)
    reporters = [UserFactory(username=f"reporter{n}") for n in range(2)]
    for reporter in reporters:
        moderation_services.report_post(post=post, reporter=reporter, reason="spam")
    facilitator = make_facilitator(category, username="fac")
    report = Report.objects.filter(post=post).first()
    moderation_services.resolve_report(report=report, actor=facilitator, hide=False)
    handled = Notification.objects.filter(kind=Kind.REPORT_HANDLED)
    assert sorted(n.recipient.username for n in handled) == ["reporter0", "reporter1"]
    assert {n.reason for n in handled} == {Notification.Reason.REPORT_DISMISSED}
    assert not Notification.objects.filter(kind=Kind.POST_HIDDEN).exists()


def test_mark_read_updates_the_counter(category, dialogue, starter, user):
    first = reply(dialogue, user)
    reply(TopicFactory(category=category, author=starter), UserFactory())
    starter.refresh_from_db()
    assert starter.unread_notifications == 2
    one = Notification.objects.get(recipient=starter, post=first)
    assert notifications.mark_read(user=starter, notification_ids=[one.pk]) == 1
    assert starter.unread_notifications == 1
    assert notifications.mark_read(user=starter) == 1
    assert starter.unread_notifications == 0


def test_recount_rebuilds_the_unread_counters(dialogue, starter, user):
    reply(dialogue, user)
    User.objects.filter(pk=starter.pk).update(unread_notifications=99)
    services.recount_all()
    starter.refresh_from_db()
    assert starter.unread_notifications == 1


def test_a_rolled_back_reply_leaves_no_notification_and_no_count(dialogue, user):
    """Notifications and the unread counter are written in the reply's own
    transaction: they go if it goes."""
    starter = dialogue.author
    with pytest.raises(RuntimeError), transaction.atomic():
        reply(dialogue, user)
        starter.refresh_from_db()
        assert starter.unread_notifications == 1
        raise RuntimeError
    starter.refresh_from_db()
    assert starter.unread_notifications == 0
    assert not Notification.objects.filter(recipient=starter).exists()


def test_a_rolled_back_hiding_tells_nobody(category, dialogue, user):
    post = reply(dialogue, user)
    facilitator = make_facilitator(category, username="fac")
    with pytest.raises(RuntimeError), transaction.atomic():
        moderation_services.hide_post(post=post, actor=facilitator, reason="No")
        raise RuntimeError
    assert not Notification.objects.filter(kind=Kind.POST_HIDDEN).exists()
    assert not Notification.objects.filter(post=post, withdrawn=True).exists()


def test_unread_notifications_of_one_kind_in_one_topic_count_once(
    category, dialogue, starter, user
):
    """Five unread replies in one dialogue are one item on the badge; a reply in
    another dialogue and a facilitator's question are items of their own;
    reading the group takes it off; a new reply afterwards starts a new one."""
    replies = [reply(dialogue, UserFactory()) for _ in range(5)]
    starter.refresh_from_db()
    assert starter.unread_notifications == 1
    reply(TopicFactory(category=category, author=starter), user)
    facilitator = make_facilitator(category)
    reply(dialogue, facilitator, parent=replies[0].parent, follow_up=True)
    starter.refresh_from_db()
    assert starter.unread_notifications == 3
    services_ids = Notification.objects.filter(
        recipient=starter, post__in=replies
    ).values_list("pk", flat=True)
    notifications.mark_read(user=starter, notification_ids=list(services_ids))
    assert starter.unread_notifications == 2
    reply(dialogue, UserFactory())
    starter.refresh_from_db()
    assert starter.unread_notifications == 3
    User.objects.filter(pk=starter.pk).update(unread_notifications=0)
    notifications.refresh_unread_counts(user_ids=[starter.pk])
    starter.refresh_from_db()
    assert starter.unread_notifications == 3
