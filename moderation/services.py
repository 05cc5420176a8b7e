"""Moderation actions. Each changes state and writes its audit entry in one
transaction; toggles are idempotent and return whether anything changed."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from forum import search, versions
from forum import services as forum_services
from forum.markdown import render_markdown
from forum.models import SCHEDULE_NAME, Category, Post, Topic
from forum.permissions import facilitator_ids

from . import signals
from .models import AuditEntry, Facilitator, Member, Report
from .permissions import OWN_ACCOUNT, may_act_on
from .queries import posts_hidden_by_suspension

Action = AuditEntry.Action


SCHEDULE = SCHEDULE_NAME


def refuse_own_account(*, actor: User | None, user: User) -> None:
    """Raise PermissionDenied if actor would change their own suspension or
    roles (a command acting for nobody, actor None, may)."""
    if actor is not None and not may_act_on(actor, user):
        raise PermissionDenied(OWN_ACCOUNT)


def log_action(
    *,
    actor: User | None,
    action: str,
    category: Category | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    target_user: User | None = None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Write one audit entry; call inside the action's transaction. A None actor
    is the dialogue's schedule (a timed lock)."""
    if post is not None and topic is None:
        topic = post.topic
    if topic is not None and category is None:
        category = topic.category
    if post is not None:
        number = post.position or "(awaiting approval)"
        label = f"post #{number} by {post.author_name} in {topic.title!r}"
    elif topic is not None:
        label = repr(topic.title)
    elif target_user is not None:
        label = target_user.name
    else:
        label = category.name if category else ""
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.name if actor else SCHEDULE,
        action=action,
        category=category,
        topic=topic,
        post=post,
        target_user=target_user,
        target_label=label[:250],
        reason=reason,
        before=before or {},
        after=after or {},
    )


def log_edit_by_other(
    *, post: Post, editor: User, before: dict, after: dict, **kwargs
) -> None:
    """forum.signals.post_edited_by_other: log a facilitator's or admin's edit of
    someone else's post, in the edit's transaction."""
    log_action(actor=editor, action=Action.EDIT, post=post, before=before, after=after)


def _locked_topic(topic: Topic) -> Topic:
    return Topic.objects.select_for_update().select_related("category").get(pk=topic.pk)


@transaction.atomic
def lock_topic(*, topic: Topic, actor: User | None, note: str = "") -> bool:
    """Lock a topic with an optional closing note shown at its end (actor None:
    the dialogue's schedule)."""
    topic = _locked_topic(topic)
    if topic.is_locked:
        return False
    now = timezone.now()
    Topic.objects.filter(pk=topic.pk).update(
        is_locked=True,
        locked_by_name=actor.name if actor else SCHEDULE,
        locked_at=now,
        closing_note=note.strip(),
        closing_note_html=render_markdown(note) if note.strip() else "",
    )
    versions.bump(topics=[topic.pk], categories=[topic.category_id])
    log_action(actor=actor, action=Action.LOCK, topic=topic, reason=note.strip())
    return True


@transaction.atomic
def unlock_topic(*, topic: Topic, actor: User, reason: str = "") -> bool:
    """Reopen a locked topic for replies."""
    topic = _locked_topic(topic)
    if not topic.is_locked:
        return False
    # A reopened dialogue is no longer concluded: its list row drops the
    # "Summary:" line (the topic page keeps the summary) until a facilitator
    # saves a summary again.
    Topic.objects.filter(pk=topic.pk).update(is_locked=False, summary_excerpt="")
    versions.bump(topics=[topic.pk], categories=[topic.category_id])
    log_action(actor=actor, action=Action.UNLOCK, topic=topic, reason=reason)
    return True


@transaction.atomic
def pin_topic(*, topic: Topic, actor: User, pinned: bool) -> bool:
    """Pin or unpin a topic."""
    topic = _locked_topic(topic)
    if not forum_services.set_topic_pinned(topic=topic, pinned=pinned):
        return False
    log_action(actor=actor, action=Action.PIN if pinned else Action.UNPIN, topic=topic)
    return True


@transaction.atomic
def rename_topic(*, topic: Topic, actor: User, title: str) -> bool:
    """Give a topic a new title."""
    topic = _locked_topic(topic)
    before = topic.title
    if not forum_services.rename_topic(topic=topic, title=title):
        return False
    log_action(
        actor=actor,
        action=Action.RENAME,
        topic=topic,
        before={"title": before},
        after={"title": title.strip()},
    )
    return True


@transaction.atomic
def move_topic(*, topic: Topic, actor: User, category: Category) -> bool:
    """Move a topic and its posts' counts to another category."""
    # The topic's row alone first (not its category's, as _locked_topic takes),
    # then both categories in id order: a move from A to B and one from B to A
    # at the same moment take A and B in the same order, so neither can hold one
    # while waiting for the other.
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=topic.pk)
    )
    source = topic.category
    if source.pk == category.pk:
        return False
    list(
        Category.objects.select_for_update()
        .filter(pk__in=[source.pk, category.pk])
        .order_by("pk")
    )
    Topic.objects.filter(pk=topic.pk).update(category=category)
    # The new category's language may stem differently.
    search.index_posts(topic_id=topic.pk)
    versions.bump(topics=[topic.pk])
    forum_services.recount_category(category=source)
    forum_services.recount_category(category=category)
    log_action(
        actor=actor,
        action=Action.MOVE,
        topic=topic,
        category=category,
        before={"category": source.name},
        after={"category": category.name},
    )
    signals.readers_changed.send(sender=Topic, topic=topic, user=None)
    return True


@transaction.atomic
def hide_post(*, post: Post, actor: User, reason: str, report_reason: str = "") -> bool:
    """Hide a post behind a placeholder; its text is kept for the author and
    facilitators. report_reason: the reports' Report.Reason when resolving them
    without words of the facilitator's own."""
    # The topic's row before the post's, the order every writer of a topic and
    # its posts takes them in (a reply closing a follow-up does too).
    Topic.objects.select_for_update().filter(pk=post.topic_id).first()
    post = (
        Post.objects.select_for_update()
        .select_related("topic__category")
        .get(pk=post.pk)
    )
    if post.is_hidden:
        return False
    Post.objects.filter(pk=post.pk).update(
        is_hidden=True,
        hidden_reason=reason.strip(),
        hidden_by_name=actor.name,
        hidden_at=timezone.now(),
    )
    versions.bump(posts=[post.pk], topics=[post.topic_id])
    log_action(actor=actor, action=Action.HIDE, post=post, reason=reason.strip())
    _tell_author(
        post=post,
        hidden=True,
        actor=actor,
        reason=reason.strip(),
        report_reason=report_reason,
    )
    return True


def _tell_author(
    *, post: Post, hidden: bool, actor: User, reason: str, report_reason: str = ""
) -> None:
    """Announce that the post was hidden or shown again; call inside the hiding
    transaction."""
    signals.post_visibility_changed.send(
        sender=Post,
        post=post,
        hidden=hidden,
        actor=actor,
        reason=reason,
        report_reason=report_reason,
        facilitator_ids=facilitator_ids(category_id=post.topic.category_id),
    )


@transaction.atomic
def unhide_post(*, post: Post, actor: User, reason: str = "") -> bool:
    """Show a hidden post again."""
    # The topic's row before the post's, the order every writer of a topic and
    # its posts takes them in (a reply closing a follow-up does too).
    Topic.objects.select_for_update().filter(pk=post.topic_id).first()
    post = (
        Post.objects.select_for_update()
        .select_related("topic__category")
        .get(pk=post.pk)
    )
    if not post.is_hidden:
        return False
    Post.objects.filter(pk=post.pk).update(is_hidden=False)
    versions.bump(posts=[post.pk], topics=[post.topic_id])
    log_action(
        actor=actor,
        action=Action.UNHIDE,
        post=post,
        reason=reason,
        before={"hidden_reason": post.hidden_reason},
    )
    _tell_author(post=post, hidden=False, actor=actor, reason=reason.strip())
    return True


@transaction.atomic
def approve_post(*, post: Post, actor: User) -> bool:
    """Let a post awaiting approval join its thread."""
    topic = _locked_topic(post.topic)
    # Lock only the post's row: PostgreSQL cannot lock the nullable side of the
    # outer join to the parent.
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("parent")
        .get(pk=post.pk)
    )
    if post.status != Post.Status.PENDING:
        return False
    forum_services.place_approved_post(topic=topic, post=post)
    log_action(actor=actor, action=Action.APPROVE, post=post)
    return True


@transaction.atomic
def return_post(*, post: Post, actor: User, reason: str) -> bool:
    """Send a post awaiting approval back to its author, who may edit and
    resubmit it; its text is kept."""
    post = (
        Post.objects.select_for_update()
        .select_related("topic__category")
        .get(pk=post.pk)
    )
    if post.status != Post.Status.PENDING:
        return False
    Post.objects.filter(pk=post.pk).update(
        status=Post.Status.RETURNED, return_reason=reason.strip()
    )
    versions.bump(posts=[post.pk])
    log_action(actor=actor, action=Action.RETURN, post=post, reason=reason.strip())
    signals.post_returned.send(
        sender=Post, post=post, actor=actor, reason=reason.strip()
    )
    return True


class AlreadyReported(Exception):
    pass


@transaction.atomic
def report_post(*, post: Post, reporter: User, reason: str, text: str = "") -> Report:
    """File a report on a post; each user reports a post once."""
    if Report.objects.filter(post=post, reporter=reporter).exists():
        raise AlreadyReported
    return Report.objects.create(
        post=post, reporter=reporter, reason=reason, text=text.strip()
    )


@transaction.atomic
def resolve_report(
    *, report: Report, actor: User, hide: bool, reason: str = ""
) -> bool:
    """Hide the reported post or dismiss the report; every open report on the
    same post is resolved with it."""
    report = (
        Report.objects.select_for_update()
        .select_related("post__topic__category")
        .get(pk=report.pk)
    )
    if report.status != Report.Status.OPEN:
        return False
    status = Report.Status.HIDDEN if hide else Report.Status.DISMISSED
    if hide:
        hide_post(
            post=report.post,
            actor=actor,
            reason=reason or report.get_reason_display(),
            report_reason="" if reason else report.reason,
        )
    open_reports = Report.objects.filter(post=report.post, status=Report.Status.OPEN)
    reporters = list(open_reports.values_list("reporter_id", flat=True))
    open_reports.update(
        status=status, resolved_by_name=actor.name, resolved_at=timezone.now()
    )
    signals.reports_resolved.send(
        sender=Report,
        post=report.post,
        actor=actor,
        hidden=hide,
        reporter_ids=reporters,
        note=reason,
    )
    log_action(
        actor=actor,
        action=Action.RESOLVE,
        post=report.post,
        reason=reason,
        after={"outcome": status},
    )
    return True


@transaction.atomic
def suspend_user(
    *, user: User, actor: User, reason: str, until: datetime | None = None
) -> bool:
    """Stop a user from posting, editing and reporting, until a date or lifted."""
    refuse_own_account(actor=actor, user=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_suspended:
        return False
    User.objects.filter(pk=user.pk).update(
        suspended_at=timezone.now(), suspended_until=until, suspension_reason=reason
    )
    log_action(
        actor=actor,
        action=Action.SUSPEND,
        target_user=user,
        reason=reason,
        after={"until": until.isoformat() if until else "lifted by hand"},
    )
    return True


@transaction.atomic
def unsuspend_user(*, user: User, actor: User, unhide: bool = False) -> bool:
    """Lift a suspension; with unhide, also show again the posts that
    suspend_and_hide hid with it (those still hidden)."""
    refuse_own_account(actor=actor, user=user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_suspended:
        return False
    hidden_with_it = posts_hidden_by_suspension(user=user) if unhide else []
    User.objects.filter(pk=user.pk).update(suspended_at=None, suspended_until=None)
    log_action(
        actor=actor,
        action=Action.UNSUSPEND,
        target_user=user,
        before={"reason": user.suspension_reason},
        after={"unhidden_posts": [post.pk for post in hidden_with_it]},
    )
    for post in hidden_with_it:
        unhide_post(post=post, actor=actor, reason=_("Suspension lifted."))
    return True


@transaction.atomic
def suspend_and_hide(
    *, users: list[User], actor: User, reason: str, until: datetime | None = None
) -> int:
    """Suspend several accounts and hide all their posts (spam clean-up);
    return the number of posts hidden. The suspension's audit entry lists the
    posts hidden, so that lifting it can show exactly those again."""
    hidden = 0
    for user in users:
        suspend_user(user=user, actor=actor, reason=reason, until=until)
        ids = [
            post.pk
            for post in Post.objects.filter(author=user, is_hidden=False)
            if hide_post(post=post, actor=actor, reason=reason)
        ]
        hidden += len(ids)
        entry = (
            AuditEntry.objects.select_for_update()
            .filter(action=Action.SUSPEND, target_user=user)
            .order_by("-created_at", "-pk")
            .first()
        )
        if entry is not None and ids:
            # An account suspended before keeps its entry; the posts hidden now
            # are added to it.
            known = entry.after.get("hidden_posts") or []
            AuditEntry.objects.filter(pk=entry.pk).update(
                after={**entry.after, "hidden_posts": known + ids}
            )
    return hidden


@transaction.atomic
def appoint_facilitator(
    *, user: User, category: Category, actor: User | None = None
) -> bool:
    """Make user a facilitator of category; return whether anything changed."""
    refuse_own_account(actor=actor, user=user)
    _, created = Facilitator.objects.get_or_create(user=user, category=category)
    User.objects.filter(pk=user.pk).update(is_facilitator=True)
    if created:
        # A role shows as a badge on every post of its holder.
        versions.bump_site()
    if created and actor is not None:
        log_action(
            actor=actor, action=Action.APPOINT, category=category, target_user=user
        )
    if created:
        signals.readers_changed.send(sender=Facilitator, topic=None, user=user)
    return created


@transaction.atomic
def remove_facilitator(*, user: User, category: Category, actor: User) -> bool:
    """Take the facilitator role in category away from user."""
    refuse_own_account(actor=actor, user=user)
    deleted, _ = Facilitator.objects.filter(user=user, category=category).delete()
    User.objects.filter(pk=user.pk).update(
        is_facilitator=Facilitator.objects.filter(user=user).exists()
    )
    if deleted:
        versions.bump_site()
        log_action(
            actor=actor, action=Action.REMOVE, category=category, target_user=user
        )
        signals.readers_changed.send(sender=Facilitator, topic=None, user=user)
    return bool(deleted)


@transaction.atomic
def add_member(*, user: User, category: Category, actor: User) -> bool:
    """Admit user to a members-only category."""
    _, created = Member.objects.get_or_create(user=user, category=category)
    if created:
        log_action(
            actor=actor, action=Action.ADD_MEMBER, category=category, target_user=user
        )
        signals.readers_changed.send(sender=Member, topic=None, user=user)
    return created


@transaction.atomic
def remove_member(*, user: User, category: Category, actor: User) -> bool:
    """Remove user from a members-only category."""
    deleted, _ = Member.objects.filter(user=user, category=category).delete()
    if deleted:
        log_action(
            actor=actor,
            action=Action.REMOVE_MEMBER,
            category=category,
            target_user=user,
        )
        signals.readers_changed.send(sender=Member, topic=None, user=user)
    return bool(deleted)


@transaction.atomic
def delete_user_account(*, user: User, actor: User, remove_posts: bool) -> None:
    """Delete another user's account for them (admins), logged: their posts stay
    under "Former participant", or with remove_posts become placeholders."""
    if not may_act_on(actor, user):
        raise PermissionDenied(_("Delete your own account from your settings."))
    log_action(
        actor=actor,
        action=Action.DELETE_ACCOUNT,
        target_user=user,
        after={"posts": "removed" if remove_posts else "kept"},
    )
    account_services.delete_account(user=user, actor=actor, remove_posts=remove_posts)


def delete_reports_by(*, user: User) -> None:
    """Forget the reports a user filed: their account is being deleted (inside
    accounts.services.delete_account's transaction)."""
    Report.objects.filter(reporter=user).delete()
