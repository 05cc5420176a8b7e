"""Facilitation's changes: a dialogue's questions, schedule, series and
summary, the scheduled closing, the facilitators' queue and notes, and
invitations into members-only categories."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.middleware import user_language
from accounts.models import User
from forum import versions
from forum.exceptions import ForumError
from forum.markdown import render_markdown
from forum.models import Category, Post, Topic, first_words
from forum.services import check_schedule
from moderation.services import add_member, lock_topic

from .models import (
    Annotation,
    Invitation,
    Prompt,
    QueueDismissal,
    Series,
    SeriesEntry,
    SummaryRevision,
)
from .queries import InvitationPlan, Invitee, invitation_plan
from .tasks import send_invitation


@transaction.atomic
def set_schedule(
    *, topic: Topic, opens_at: datetime | None, closes_at: datetime | None
) -> None:
    """Set when a dialogue opens for replies and when it closes (the
    close_dialogues command then writes the lock)."""
    check_schedule(opens_at, closes_at)
    Topic.objects.filter(pk=topic.pk).update(opens_at=opens_at, closes_at=closes_at)
    versions.bump(topics=[topic.pk], categories=[topic.category_id])
    topic.opens_at, topic.closes_at = opens_at, closes_at


@transaction.atomic
def add_prompt(*, topic: Topic, text: str) -> Prompt:
    """Add a prompting question at the end of a dialogue's list."""
    Topic.objects.select_for_update().filter(pk=topic.pk).first()
    last = topic.prompts.aggregate(last=Max("position"))["last"] or 0
    prompt = Prompt.objects.create(
        topic=topic, position=last + 1, text=text.strip()[:500]
    )
    versions.bump(topics=[topic.pk])
    return prompt


@transaction.atomic
def edit_prompt(*, prompt: Prompt, text: str) -> bool:
    """Reword a prompting question; its answers stay tagged."""
    changed = bool(
        Prompt.objects.filter(pk=prompt.pk)
        .exclude(text=text.strip())
        .update(text=text.strip()[:500])
    )
    if changed:
        versions.bump(topics=[prompt.topic_id])
    return changed


@transaction.atomic
def set_series(*, topic: Topic, series: Series | None) -> None:
    """Put a dialogue in a series (or take it out)."""
    if series is None:
        SeriesEntry.objects.filter(topic=topic).delete()
    else:
        SeriesEntry.objects.update_or_create(topic=topic, defaults={"series": series})
    # The dialogues after it in either series show it as their context.
    versions.bump_site()


@transaction.atomic
def set_summary(*, topic: Topic, editor: User, summary: str) -> bool:
    """Write or rewrite a dialogue's summary, keeping the previous one."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    excerpt = first_words(summary, 40)[:300] if summary.strip() else ""
    if summary.strip() == topic.summary.strip() and excerpt == topic.summary_excerpt:
        return False
    if topic.summary and summary.strip() != topic.summary.strip():
        SummaryRevision.objects.create(
            topic=topic, summary=topic.summary, editor=editor, editor_name=editor.name
        )
    html = render_markdown(summary) if summary.strip() else ""
    Topic.objects.filter(pk=topic.pk).update(
        summary=summary.strip(),
        summary_html=html,
        summary_excerpt=excerpt,
    )
    versions.bump(topics=[topic.pk], categories=[topic.category_id])
    if SeriesEntry.objects.filter(topic=topic).exists():
        # The next dialogues of its series show this summary as their context.
        versions.bump_site()
    return True


@transaction.atomic
def close_dialogue(
    *, topic: Topic, actor: User, note: str = "", summary: str | None = None
) -> bool:
    """Lock a dialogue with its closing note, first saving the summary if one is
    given (None leaves the saved one alone); return whether it locked now."""
    if summary is not None:
        set_summary(topic=topic, editor=actor, summary=summary)
    return lock_topic(topic=topic, actor=actor, note=note)


def close_follow_ups(*, post: Post, **kwargs) -> None:
    """forum.signals.post_placed: a participant's reply to (or quote of) a
    follow-up question to them answers it; in the reply's transaction."""
    answered = [p for p in (post.parent_id, post.quoting_id) if p]
    if not answered:
        return
    closed = list(
        Post.objects.filter(
            pk__in=answered,
            follow_up_for_id=post.author_id,
            follow_up_answered_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if closed:
        Post.objects.filter(pk__in=closed).update(follow_up_answered_at=timezone.now())
        versions.bump(posts=closed)


def close_due_dialogues() -> int:
    """Lock every dialogue past its closing time, each with its audit entry (the
    schedule as its actor); return how many. Until this runs, Topic.phase already
    reads such a dialogue as closed."""
    due = Topic.objects.filter(is_locked=False, closes_at__lte=timezone.now())
    return sum(lock_topic(topic=topic, actor=None) for topic in due)


def create_series(*, name: str, slug: str, description: str = "") -> Series:
    """Add a series of dialogues (admins also do this in the Django admin)."""
    return Series.objects.create(
        name=name.strip(), slug=slug, description=description.strip()
    )


@transaction.atomic
def dismiss_from_queue(*, post: Post, actor: User) -> bool:
    """Take a post off the facilitators' queue ("no follow-up needed"); return
    whether it was still on it."""
    _, created = QueueDismissal.objects.get_or_create(
        post=post, defaults={"by_name": actor.name}
    )
    return created


def restore_to_queue(*, post: Post) -> bool:
    """Undo "no follow-up needed": the post is back on the facilitators' queue;
    return whether it had been taken off."""
    deleted, _ = QueueDismissal.objects.filter(post=post).delete()
    return bool(deleted)


NOTE_MAX_LENGTH = 2000
MAX_TAGS = 10
TAG_MAX_LENGTH = 40
# Annotation.tags holds them all, joined by ", ".
TAGS_MAX_LENGTH = 300


def parse_tags(tags: str | list[str]) -> list[str]:
    """Theme tags as stored: comma-separated or a list, trimmed, lower case, each
    once. Raises ForumError when there are too many or one is too long."""
    parts = tags.split(",") if isinstance(tags, str) else tags
    cleaned: list[str] = []
    for part in parts:
        tag = " ".join(part.split()).lower()
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ForumError(
            _("Use at most %(max)s tags (you gave %(count)s).")
            % {"max": MAX_TAGS, "count": len(cleaned)}
        )
    too_long = [t for t in cleaned if len(t) > TAG_MAX_LENGTH]
    if too_long:
        raise ForumError(
            _("A tag has at most %(max)s characters: “%(tag)s” is %(length)s.")
            % {"max": TAG_MAX_LENGTH, "tag": too_long[0], "length": len(too_long[0])}
        )
    if len(", ".join(cleaned)) > TAGS_MAX_LENGTH:
        raise ForumError(
            _(
                "The tags come to more than %(max)s characters together; "
                "use fewer or shorter ones."
            )
            % {"max": TAGS_MAX_LENGTH}
        )
    return cleaned


@transaction.atomic
def annotate_post(
    *, post: Post, actor: User, note: str, tags: str | list[str] = ""
) -> Annotation:
    """Add a facilitator's private note and theme tags to a post. Raises
    ForumError for bad tags, too long a note, or neither note nor tags."""
    note = note.strip()
    cleaned = parse_tags(tags)
    if len(note) > NOTE_MAX_LENGTH:
        raise ForumError(
            _("A note has at most %(max)s characters.") % {"max": NOTE_MAX_LENGTH}
        )
    if not note and not cleaned:
        raise ForumError(_("Write a note or give at least one tag."))
    return Annotation.objects.create(
        post=post,
        author=actor,
        author_name=actor.name,
        note=note,
        tags=", ".join(cleaned),
    )


# Invitations into members-only categories


class InvitationUsed(ForumError):
    message = _("This invitation has already been used.")


class InvitationExpired(ForumError):
    message = _("This invitation has expired.")


class AlreadyReminded(ForumError):
    def __init__(self, reminded_at: datetime):
        self.reminded_at = reminded_at
        super().__init__(_("A reminder of this invitation was already sent."))


def _queue_invitation_emails(ids: list[int], *, reminder: bool) -> None:
    """Mail these invitations once the transaction that wrote them commits."""

    def enqueue():
        for pk in ids:
            send_invitation.enqueue(invitation_id=pk, reminder=reminder)

    transaction.on_commit(enqueue)


@transaction.atomic
def invite_people(
    *,
    category: Category,
    topic: Topic | None,
    invitees: list[Invitee],
    actor: User,
    language: str,
) -> InvitationPlan:
    """Invite into a members-only category (landing on topic, if given) each
    invitee who neither reads it already nor holds an open invitation (an
    expired one is renewed), and queue their emails; return the plan, its
    sent invitations filled in. language is for invitees without an account's
    own."""
    # One inviting at a time per category: two would both find an address free.
    Category.objects.select_for_update().filter(pk=category.pk).first()
    plan = invitation_plan(category=category, invitees=invitees)
    now = timezone.now()
    for invitee in plan.to_invite:
        fields = {
            "topic": topic,
            "invited_user": invitee.user,
            "invited_by": actor,
            "invited_by_name": actor.name,
            "language": user_language(invitee.user) or language,
            "created_at": now,
            "expires_at": now + timedelta(days=settings.FORUM_INVITATION_DAYS),
            # A renewed invitation's old links stop working: the new email's
            # is minted when it is sent.
            "token_hash": None,
            "previous_token_hash": None,
            "reminded_at": None,
        }
        invitation = plan.expired.get(invitee.email)
        if invitation is None:
            invitation = Invitation.objects.create(
                category=category, email=invitee.email, **fields
            )
        else:
            Invitation.objects.filter(pk=invitation.pk).update(**fields)
            for name, value in fields.items():
                setattr(invitation, name, value)
        plan.sent.append(invitation)
    _queue_invitation_emails([i.pk for i in plan.sent], reminder=False)
    return plan


@transaction.atomic
def remind(*, invitation: Invitation) -> Invitation:
    """Send an invitation's one reminder, with a new link valid for the full
    period again (the first email's link keeps working). Raises
    InvitationUsed once accepted, AlreadyReminded after the first reminder."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationUsed
    if invitation.reminded_at is not None:
        raise AlreadyReminded(invitation.reminded_at)
    now = timezone.now()
    invitation.reminded_at = now
    invitation.expires_at = max(
        invitation.expires_at, now + timedelta(days=settings.FORUM_INVITATION_DAYS)
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        reminded_at=invitation.reminded_at, expires_at=invitation.expires_at
    )
    _queue_invitation_emails([invitation.pk], reminder=True)
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user: User) -> bool:
    """Accept an invitation as user: they become a member of its category (if
    not one already) and the link stops working. Return whether they joined
    now. Raises InvitationUsed or InvitationExpired.

    Whoever holds the link may accept it, signed in with any account: the
    email went to the invited address, whose owner may use another account
    here or pass the invitation on to the account they use, and refusing
    them would only leave the facilitator to invite again by hand."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationUsed
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired
    Invitation.objects.filter(pk=invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=user
    )
    return add_member(
        user=user,
        category=invitation.category,
        # The audit log names the facilitator who invited them as the one who
        # let them in.
        actor=invitation.invited_by or user,
    )


def delete_invitations_of(*, user: User) -> int:
    """Erase the invitations addressed to or accepted by an account being
    deleted (they keep its address); return how many. Call inside the
    deleting transaction."""
    addressed = Q(invited_user=user) | Q(accepted_by=user)
    if user.email:
        addressed |= Q(email=user.email.lower())
    deleted, _ = Invitation.objects.filter(addressed).delete()
    return deleted
