"""Page data for facilitating dialogues: the queue, the participation
overview, the facilitators' notes, the summary's candidates and invitations
(constant queries each)."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.models import User
from forum.models import Category, Post, Topic, TopicRead, first_words
from forum.permissions import facilitated_category_ids, visible_categories
from forum.quoting import quote_markdown
from moderation.models import Facilitator, Member

from .models import Annotation, Invitation, Series, SeriesEntry, hash_token


@dataclass
class Candidate:
    post: Post
    notes: list
    quote: str


def summary_candidates(*, topic) -> list[Candidate]:
    """Posts of the dialogue that facilitators annotated, first those tagged
    "quote for summary", each with a ready blockquote (two queries)."""
    notes = list(
        Annotation.objects.filter(
            post__topic=topic,
            post__status=Post.Status.PUBLISHED,
            post__is_hidden=False,
        )
        .select_related("post")
        .order_by("post__position", "pk")
    )
    by_post: dict[int, Candidate] = {}
    for note in notes:
        candidate = by_post.get(note.post_id)
        if candidate is None:
            candidate = by_post[note.post_id] = Candidate(
                post=note.post, notes=[], quote=quote_markdown(note.post).rstrip()
            )
        candidate.notes.append(note)
    return sorted(
        by_post.values(),
        key=lambda c: (
            not any("quote for summary" in n.tag_list for n in c.notes),
            c.post.position,
        ),
    )


# The facilitator's queue, the participation overview and the notes on a dialogue

QUEUE_LIMIT = 500


@dataclass
class DialogueQueue:
    """One dialogue's waiting items, each list oldest first."""

    topic: Topic
    unanswered: list[Post] = field(default_factory=list)
    unanswered_by_facilitator: list[Post] = field(default_factory=list)
    follow_ups: list[Post] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.unanswered)
            + len(self.unanswered_by_facilitator)
            + len(self.follow_ups)
        )


@dataclass
class FacilitationQueue:
    dialogues: list[DialogueQueue]

    @property
    def unanswered_count(self) -> int:
        return sum(len(d.unanswered) for d in self.dialogues)

    @property
    def unanswered_by_facilitator_count(self) -> int:
        return sum(len(d.unanswered_by_facilitator) for d in self.dialogues)

    @property
    def follow_up_count(self) -> int:
        return sum(len(d.follow_ups) for d in self.dialogues)

    @property
    def count(self) -> int:
        return sum(d.count for d in self.dialogues)


def _facilitates(user_field: str, category_field: str) -> Exists:
    """Whether the user in user_field facilitates the category in category_field
    (both fields of the outer query)."""
    return Exists(
        Facilitator.objects.filter(
            user_id=OuterRef(user_field), category_id=OuterRef(category_field)
        )
    )


def facilitation_queue(*, viewer) -> FacilitationQueue:
    """The viewer's open dialogues with what waits for a facilitator, oldest
    first: participants' posts nobody answered, those no facilitator answered,
    and follow-up questions still open (two queries, however many items)."""
    ids = facilitated_category_ids(viewer)
    now = timezone.now()
    # Hidden replies are out of the conversation: they answer nothing.
    replies = Post.objects.filter(
        parent=OuterRef("pk"), status=Post.Status.PUBLISHED, is_hidden=False
    )
    facilitator_replies = replies.annotate(
        by_facilitator=_facilitates("author_id", "topic__category_id")
    ).filter(Q(author__is_staff=True) | Q(by_facilitator=True))
    participant_post = Q(
        parent__isnull=False,
        author__isnull=False,
        author__is_staff=False,
        by_facilitator=False,
        answered_by_facilitator=False,
    )
    open_follow_up = Q(follow_up_for__isnull=False, follow_up_answered_at__isnull=True)
    posts = list(
        Post.objects.filter(
            topic__category_id__in=ids,
            topic__is_locked=False,
            status=Post.Status.PUBLISHED,
            is_hidden=False,
            queue_dismissal__isnull=True,
        )
        .filter(Q(topic__closes_at__isnull=True) | Q(topic__closes_at__gt=now))
        .annotate(
            by_facilitator=_facilitates("author_id", "topic__category_id"),
            answered=Exists(replies),
            answered_by_facilitator=Exists(facilitator_replies),
        )
        .filter(participant_post | open_follow_up)
        .select_related("topic", "topic__category", "follow_up_for")
        .only(
            "id",
            "subject",
            "body",
            "created_at",
            "author_id",
            "author_name",
            "position",
            "parent_id",
            "follow_up_for_id",
            "follow_up_answered_at",
            "topic__id",
            "topic__title",
            "topic__category_id",
            "topic__opens_at",
            "topic__closes_at",
            "topic__is_locked",
            "topic__category__id",
            "topic__category__name",
            "topic__category__slug",
            "follow_up_for__id",
            "follow_up_for__username",
            "follow_up_for__display_name",
        )
        .order_by("created_at", "pk")[:QUEUE_LIMIT]
    )
    dialogues: dict[int, DialogueQueue] = {}
    for post in posts:
        # "3 days": the largest unit is enough to see what has waited longest.
        post.age = timesince(post.created_at, now, depth=1).replace("\xa0", " ")
        post.excerpt = first_words(post.body, 30)
        dialogue = dialogues.get(post.topic_id)
        if dialogue is None:
            dialogue = dialogues[post.topic_id] = DialogueQueue(topic=post.topic)
        if post.follow_up_for_id:
            dialogue.follow_ups.append(post)
        elif post.answered:
            dialogue.unanswered_by_facilitator.append(post)
        else:
            dialogue.unanswered.append(post)
    # Posts come oldest first, so dialogues are in the order of their oldest item.
    return FacilitationQueue(dialogues=list(dialogues.values()))


@dataclass
class Voice:
    """One person's part in a dialogue."""

    user: User
    role: str
    posts: int = 0
    words: int = 0
    replies_received: int = 0
    last_activity: datetime | None = None
    has_read: bool = False


@dataclass
class Participation:
    topic: Topic
    # Participants who posted, and facilitators and admins who posted, apart.
    participants: list[Voice]
    facilitators: list[Voice]
    # Participants who read the dialogue but have not posted in it.
    read_not_heard: list[Voice]
    # Members of a members-only category who neither read nor posted.
    not_heard: list[Voice]

    @property
    def answered(self) -> list[Voice]:
        return [v for v in self.participants if v.replies_received]

    @property
    def unanswered(self) -> list[Voice]:
        return [v for v in self.participants if not v.replies_received]

    @property
    def not_heard_count(self) -> int:
        return len(self.read_not_heard) + len(self.not_heard)


def participation(*, topic: Topic) -> Participation:
    """Who has spoken in a dialogue, how much, and who has been answered; who
    read it without posting; for a members-only category, members not heard
    from at all (three queries)."""
    # Hidden posts are out of the conversation: they count for nobody.
    posts = Post.objects.filter(
        topic=topic, status=Post.Status.PUBLISHED, is_hidden=False
    )
    stats = {
        row["author_id"]: row
        for row in posts.filter(author__isnull=False)
        .values("author_id")
        .annotate(posts=Count("pk"), words=Sum("word_count"), last=Max("created_at"))
    }
    received = dict(
        posts.filter(parent__author__isnull=False, parent__is_hidden=False)
        .exclude(author_id=F("parent__author_id"))
        .values("parent__author_id")
        .annotate(n=Count("pk"))
        .values_list("parent__author_id", "n")
    )
    private = topic.category.visibility == Category.Visibility.PRIVATE
    people = Q(pk__in=list(stats)) | Q(has_read=True)
    if private:
        people |= Q(is_member=True)
    users = (
        User.objects.annotate(
            has_read=Exists(TopicRead.objects.filter(user=OuterRef("pk"), topic=topic)),
            is_member=Exists(
                Member.objects.filter(
                    user=OuterRef("pk"), category_id=topic.category_id
                )
            ),
            facilitates=Exists(
                Facilitator.objects.filter(
                    user=OuterRef("pk"), category_id=topic.category_id
                )
            ),
        )
        .filter(people)
        .only("id", "username", "display_name", "is_staff")
    )
    result = Participation(
        topic=topic, participants=[], facilitators=[], read_not_heard=[], not_heard=[]
    )
    for user in sorted(users, key=lambda u: (u.name.lower(), u.pk)):
        role = _role(user)
        row = stats.get(user.pk)
        voice = Voice(user=user, role=role, has_read=user.has_read)
        if row is not None:
            voice.posts = row["posts"]
            voice.words = row["words"] or 0
            voice.last_activity = row["last"]
            voice.replies_received = received.get(user.pk, 0)
            if role == "Participant":
                result.participants.append(voice)
            else:
                result.facilitators.append(voice)
        elif role != "Participant":
            # Facilitators who only read are not voices waiting to be heard.
            continue
        elif user.has_read:
            result.read_not_heard.append(voice)
        else:
            result.not_heard.append(voice)
    return result


def _role(user) -> str:
    if user.is_staff:
        return "Admin"
    if user.facilitates:
        return "Facilitator"
    return "Participant"


@dataclass
class AnnotatedPost:
    post: Post
    notes: list[Annotation]
    tags: list[str] = field(default_factory=list)


@dataclass
class TopicNotes:
    topic: Topic
    posts: list[AnnotatedPost]
    # (tag, number of posts carrying it), most used first.
    tags: list[tuple[str, int]]
    tag: str = ""

    @property
    def note_count(self) -> int:
        return sum(len(p.notes) for p in self.posts)


def topic_notes(*, topic: Topic, tag: str = "") -> TopicNotes:
    """The dialogue's annotated posts, oldest first, with their notes, only those
    tagged tag when given, and every tag in use with its count (one query)."""
    notes = (
        Annotation.objects.filter(post__topic=topic)
        .select_related("post")
        .defer("post__search_vector")
        .order_by("post__created_at", "post_id", "created_at", "pk")
    )
    by_post: dict[int, AnnotatedPost] = {}
    for note in notes:
        entry = by_post.get(note.post_id)
        if entry is None:
            entry = by_post[note.post_id] = AnnotatedPost(post=note.post, notes=[])
        entry.notes.append(note)
    counts: dict[str, int] = {}
    for entry in by_post.values():
        entry.tags = sorted({t for n in entry.notes for t in n.tag_list})
        for name in entry.tags:
            counts[name] = counts.get(name, 0) + 1
    tag = tag.strip().lower()
    shown = [e for e in by_post.values() if not tag or tag in e.tags]
    return TopicNotes(
        topic=topic,
        posts=shown,
        tags=sorted(counts.items(), key=lambda item: (-item[1], item[0])),
        tag=tag,
    )


def post_notes(*, post: Post) -> list[Annotation]:
    """Facilitators' notes on one post, oldest first (one query)."""
    return list(Annotation.objects.filter(post=post).order_by("created_at", "pk"))


def series_page(*, series: Series, viewer) -> list[Topic] | None:
    """The dialogues of a series the viewer may see, oldest first, with their
    summaries (one query; two when none is visible). None when the series has
    dialogues but none the viewer may see: its name is not theirs to read."""
    topics = list(
        Topic.objects.filter(
            visible_categories(viewer, "category__"),
            series_entry__series=series,
        )
        .select_related("category")
        .only(
            "id",
            "title",
            "created_at",
            "opens_at",
            "closes_at",
            "is_locked",
            "locked_at",
            "post_count",
            "summary_html",
            "category__id",
            "category__name",
            "category__slug",
        )
        .order_by("created_at", "pk")
    )
    if not topics and series.entries.exists():
        return None
    return topics


def series_entry(*, topic: Topic) -> SeriesEntry | None:
    """The dialogue's place in a series, if it has one (one query)."""
    return SeriesEntry.objects.filter(topic=topic).first()


# Invitations into members-only categories


@dataclass(frozen=True)
class Invitee:
    """One person to invite, as the facilitator named them (an address or a
    username), with their address in lower case and their account if known."""

    typed: str
    email: str
    user: User | None = None


@dataclass
class InvitationPlan:
    """What inviting these people to a category does for each."""

    to_invite: list[Invitee] = field(default_factory=list)
    # Who already reads the category: members, its facilitators, admins.
    members: list[Invitee] = field(default_factory=list)
    # Those with an invitation still open, each with it.
    invited: list[tuple[Invitee, Invitation]] = field(default_factory=list)
    # Expired invitations not accepted, by address: inviting again renews them.
    expired: dict[str, Invitation] = field(default_factory=dict)
    # Filled by facilitation.services.invite_people.
    sent: list[Invitation] = field(default_factory=list)


def invitation_plan(*, category: Category, invitees: list[Invitee]) -> InvitationPlan:
    """Sort invitees into those to invite, those who already read the category
    and those already invited (two queries)."""
    user_ids = [i.user.pk for i in invitees if i.user is not None]
    inside = set(
        Member.objects.filter(category=category, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    ) | set(
        Facilitator.objects.filter(category=category, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    open_ones = {
        invitation.email: invitation
        for invitation in Invitation.objects.filter(
            category=category,
            email__in=[i.email for i in invitees],
            accepted_at__isnull=True,
        )
    }
    plan = InvitationPlan()
    now = timezone.now()
    for invitee in invitees:
        user = invitee.user
        if user is not None and (user.is_staff or user.pk in inside):
            plan.members.append(invitee)
            continue
        invitation = open_ones.get(invitee.email)
        if invitation is not None and invitation.expires_at > now:
            plan.invited.append((invitee, invitation))
            continue
        if invitation is not None:
            plan.expired[invitee.email] = invitation
        plan.to_invite.append(invitee)
    return plan


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation whose link carries token (the latest email's or the one
    before a reminder), with what its page shows (one query)."""
    digest = hash_token(token)
    return (
        Invitation.objects.filter(Q(token_hash=digest) | Q(previous_token_hash=digest))
        .select_related("category", "topic")
        .first()
    )


@dataclass
class InvitationOverview:
    # Not yet accepted, expired ones included, oldest first.
    pending: list[Invitation]
    # Accepted by people still members who have not posted in the dialogue.
    silent: list[Invitation]


def invitation_overview(
    *, category: Category, topic: Topic | None
) -> InvitationOverview:
    """The invitations of a dialogue (and those to its whole category) not yet
    accepted, and those accepted by people not heard in it since; without a
    dialogue, the category's pending invitations (two queries at most)."""
    invitations = Invitation.objects.filter(category=category).select_related(
        "invited_user", "accepted_by"
    )
    if topic is not None:
        invitations = invitations.filter(Q(topic=topic) | Q(topic__isnull=True))
    pending = list(
        invitations.filter(accepted_at__isnull=True).order_by("created_at", "pk")
    )
    if topic is None:
        return InvitationOverview(pending=pending, silent=[])
    heard = Post.objects.filter(
        topic=topic,
        author_id=OuterRef("accepted_by_id"),
        status=Post.Status.PUBLISHED,
        is_hidden=False,
    )
    still_member = Member.objects.filter(
        category=category, user_id=OuterRef("accepted_by_id")
    )
    silent = {
        # Someone removed and invited again accepted twice: listed once.
        invitation.accepted_by_id: invitation
        for invitation in invitations.filter(accepted_by__isnull=False)
        .filter(Exists(still_member), ~Exists(heard))
        .order_by("accepted_at", "pk")
    }
    return InvitationOverview(pending=pending, silent=list(silent.values()))


def address_has_account(email: str) -> bool:
    """Whether an account uses this address (one query)."""
    return User.objects.filter(email__iexact=email).exists()
