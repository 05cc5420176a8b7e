from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import FORMER_PARTICIPANT, REMOVED_REASON
from attachments import queries as attachment_queries
from attachments import services as attachment_services

from . import permissions, search, signals, versions
from .exceptions import ForumError, ParentNotInTopic, TopicLocked
from .markdown import attached_ids, plain_line
from .mentions import render_with_mentions
from .models import (
    PATH_SEGMENT,
    Category,
    Draft,
    Post,
    PostRevision,
    Topic,
    TopicRead,
)


def draft_target(
    *, kind: str, category: Category | None, topic: Topic | None, post: Post | None
) -> dict:
    """The fields naming what a draft of this kind is for."""
    return {
        Draft.Kind.TOPIC: {"category": category},
        Draft.Kind.REPLY: {"topic": topic},
        Draft.Kind.EDIT: {"post": post},
    }[kind]


@transaction.atomic
def save_draft(
    *,
    user: User,
    kind: str,
    category: Category | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    parent: Post | None = None,
    quoting: Post | None = None,
    title: str = "",
    body: str = "",
) -> Draft | None:
    """Keep the writer's unposted text for this form (one draft per form and
    writer, replaced each time); an empty form deletes it. The caller checks
    that the writer may use the form and that the text fits a post."""
    target = draft_target(kind=kind, category=category, topic=topic, post=post)
    if not title.strip() and not body.strip():
        delete_draft(user=user, kind=kind, **target)
        return None
    draft, _ = Draft.objects.update_or_create(
        user=user,
        kind=kind,
        **target,
        defaults={"parent": parent, "quoting": quoting, "title": title, "body": body},
    )
    return draft


def delete_draft(*, user: User, kind: str, **target) -> bool:
    """Forget the writer's draft for this form, once posted; whether there was one."""
    deleted, _ = Draft.objects.filter(user=user, kind=kind, **target).delete()
    return bool(deleted)


def render_body(body: str, *, author: User, post: Post | None = None):
    """A post's HTML (its attached images shown: the author's own uploads, and
    those already in post) and the names it @mentions."""
    sizes = attachment_queries.thumbnail_sizes(
        author=author, post=post, ids=attached_ids(body)
    )
    return render_with_mentions(body, image_sizes=sizes)


def count_words(body: str) -> int:
    """Words the author wrote: quoted lines are someone else's."""
    own = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    return len(" ".join(own).split())


def _segment(position: int) -> str:
    return str(position).zfill(PATH_SEGMENT)


def thread_place(*, parent: Post | None, position: int) -> tuple[str, int]:
    """Path and depth of a new post under parent, capping the visual depth."""
    if parent is None:
        return _segment(position), 0
    if parent.depth < settings.FORUM_MAX_THREAD_DEPTH:
        return parent.path + _segment(position), parent.depth + 1
    # At the cap the reply sits beside its parent and names it ("in reply to").
    return parent.path[:-PATH_SEGMENT] + _segment(position), parent.depth


def _place_post(*, topic: Topic, post: Post, approved: bool = False) -> Post:
    """Give a new or newly approved post its place at the end of the thread and
    bump the counters. Call inside a transaction holding the topic row lock."""
    last = topic.posts.aggregate(last=Max("position"))["last"] or 0
    parent = post.parent
    post.position = last + 1
    post.path, post.depth = thread_place(parent=parent, position=post.position)
    post.status = Post.Status.PUBLISHED
    post.return_reason = ""
    post.save(update_fields=["position", "path", "depth", "status", "return_reason"])
    # An approved post joins the thread now: that is the topic's latest activity.
    when = timezone.now() if approved else post.created_at
    Topic.objects.filter(pk=topic.pk).update(
        post_count=F("post_count") + 1,
        last_post=post,
        last_post_at=when,
        last_post_author_name=post.author_name,
        last_post_created_at=post.created_at,
    )
    Category.objects.filter(pk=topic.category_id).update(
        post_count=F("post_count") + 1, last_post=post, last_post_at=when
    )
    versions.bump(posts=[post.pk], topics=[topic.pk], categories=[topic.category_id])
    signals.post_placed.send(sender=Post, post=post, topic=topic)
    # One's own post is never new to oneself: move the author's read mark over it
    # when they had read everything before it.
    if post.position == 1:
        TopicRead.objects.create(user_id=post.author_id, topic=topic, read_up_to=1)
    else:
        TopicRead.objects.filter(
            user_id=post.author_id, topic=topic, read_up_to=post.position - 1
        ).update(read_up_to=post.position)
    return post


def _add_post(
    *,
    topic: Topic,
    author: User,
    body: str,
    subject: str = "",
    parent: Post | None = None,
    quoting: Post | None = None,
    submission_key: str = "",
    pending: bool = False,
) -> Post:
    """Insert a post into a locked-for-update topic: into the thread, or aside
    awaiting approval. The post's `mentioned` lists the names it @mentions."""
    body_html, mentioned = render_body(body, author=author)
    post = Post.objects.create(
        topic=topic,
        author=author,
        author_name=author.name,
        parent=parent,
        quoting=quoting,
        status=Post.Status.PENDING if pending else Post.Status.PUBLISHED,
        subject=plain_line(subject),
        body=body,
        body_html=body_html,
        word_count=count_words(body),
        submission_key=submission_key,
    )
    post.mentioned = mentioned
    attachment_services.attach_to_post(post=post, ids=attached_ids(body))
    search.index_posts(post_ids=[post.pk])
    if pending:
        return post
    return _place_post(topic=topic, post=post)


def place_approved_post(*, topic: Topic, post: Post) -> Post:
    """Put an approved post into its thread. Call inside a transaction holding the
    topic row lock (moderation.services.approve_post does)."""
    if post.parent is not None and not post.parent.is_published:
        post.parent = Post.objects.get(pk=topic.first_post_id)
        post.save(update_fields=["parent"])
    _place_post(topic=topic, post=post, approved=True)
    signals.post_published.send(sender=Post, post=post, mentioned=None)
    return post


def create_category(
    *, name: str, slug: str, description: str = "", position: int = 0
) -> Category:
    """Add a category (admins also do this in the Django admin)."""
    category = Category.objects.create(
        name=name, slug=slug, description=description, position=position
    )
    versions.bump_site()
    return category


@transaction.atomic
def create_topic(
    *,
    category: Category,
    author: User,
    title: str,
    body: str,
    prompts: list[str] = (),
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Topic:
    """Start a topic with its opening post, and for a dialogue its prompting
    questions and schedule (its series: facilitation.services.set_series); bump
    the category's counters."""
    check_schedule(opens_at, closes_at)
    Category.objects.select_for_update().filter(pk=category.pk).first()
    topic = Topic.objects.create(
        category=category,
        title=plain_line(title),
        author=author,
        author_name=author.name,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    Category.objects.filter(pk=category.pk).update(topic_count=F("topic_count") + 1)
    post = _add_post(topic=topic, author=author, body=body)
    Topic.objects.filter(pk=topic.pk).update(first_post=post)
    # Indexed again now that the post is the topic's first: its title counts.
    search.index_posts(post_ids=[post.pk])
    for position, text in enumerate((p.strip() for p in prompts if p.strip()), 1):
        # topic.prompts: facilitation's Prompt, reached by its relation's name.
        topic.prompts.create(position=position, text=text[:500])
    versions.bump(topics=[topic.pk], categories=[category.pk])
    delete_draft(user=author, kind=Draft.Kind.TOPIC, category=category)
    signals.post_published.send(sender=Post, post=post, mentioned=post.mentioned)
    topic.refresh_from_db()
    return topic


def check_schedule(opens_at: datetime | None, closes_at: datetime | None) -> None:
    """Raise ForumError unless a dialogue would close after it opens."""
    if opens_at and closes_at and closes_at <= opens_at:
        raise ForumError(_("The dialogue must close after it opens."))


def post_reply(
    *,
    topic: Topic,
    author: User,
    body: str,
    subject: str = "",
    parent: Post | None = None,
    quoting: Post | None = None,
    submission_key: str = "",
    prompts: list = (),
    follow_up: bool = False,
) -> Post:
    """Add a reply (under parent, or under the opening post) and bump counters;
    tag it with the prompts it answers (facilitation Prompt rows of this topic);
    a facilitator may mark it as a follow-up question to the author of the post
    it answers or quotes.

    Raises TopicLocked, ParentNotInTopic or ForumError. A second submission of the
    same form
    (same submission_key), or the same text again within a few seconds, returns the
    post already made instead of a copy.
    """
    try:
        with transaction.atomic():
            return _post_reply(
                topic=topic,
                author=author,
                body=body,
                subject=subject,
                parent=parent,
                quoting=quoting,
                submission_key=submission_key,
                prompts=prompts,
                follow_up=follow_up,
            )
    except IntegrityError:
        # A concurrent request with the same submission key won the race.
        existing = _duplicate_of(
            topic=topic, author=author, body=body, submission_key=submission_key
        )
        if existing is None:
            raise
        return existing


def _duplicate_of(
    *, topic: Topic, author: User, body: str, submission_key: str
) -> Post | None:
    if submission_key:
        post = Post.objects.filter(author=author, submission_key=submission_key).first()
        if post is not None:
            return post
    window = timezone.now() - timedelta(seconds=settings.FORUM_DUPLICATE_WINDOW_SECONDS)
    return (
        Post.objects.filter(
            topic=topic, author=author, body=body, created_at__gte=window
        )
        .order_by("-pk")
        .first()
    )


def _post_reply(
    *,
    topic: Topic,
    author: User,
    body: str,
    subject: str,
    parent: Post | None,
    quoting: Post | None,
    submission_key: str,
    prompts: list,
    follow_up: bool,
) -> Post:
    topic = (
        Topic.objects.select_for_update().select_related("category").get(pk=topic.pk)
    )
    if topic.phase == "locked":
        raise TopicLocked
    moderator = permissions.can_moderate(author, topic.category)
    if not permissions.takes_replies_from(author, topic, moderator=moderator):
        raise ForumError(_("This dialogue is not open for replies yet."))
    for other in (parent, quoting):
        if other is not None and other.topic_id != topic.pk:
            raise ParentNotInTopic
    if any(prompt.topic_id != topic.pk for prompt in prompts):
        raise ForumError(_("That question belongs to another dialogue."))
    follow_up_for = None
    if follow_up:
        follow_up_for = _follow_up_target(
            author=author, moderator=moderator, answered=quoting or parent
        )
    existing = _duplicate_of(
        topic=topic, author=author, body=body, submission_key=submission_key
    )
    if existing is not None:
        return existing
    if parent is None:
        parent = Post.objects.get(pk=topic.first_post_id)
    post = _add_post(
        topic=topic,
        author=author,
        body=body,
        subject=subject,
        parent=parent,
        quoting=quoting,
        submission_key=submission_key,
        pending=permissions.needs_approval(author=author, category=topic.category),
    )
    if prompts:
        post.prompts.set(prompts)
    delete_draft(user=author, kind=Draft.Kind.REPLY, topic=topic)
    if follow_up_for is not None:
        Post.objects.filter(pk=post.pk).update(follow_up_for=follow_up_for)
        versions.bump(posts=[post.pk])
        post.follow_up_for = follow_up_for
    if post.is_published:
        signals.post_published.send(sender=Post, post=post, mentioned=post.mentioned)
    return post


def _follow_up_target(*, author: User, moderator: bool, answered: Post | None) -> User:
    """Whom a facilitator's follow-up question is for: the author of the post it
    answers or quotes, who must be someone else."""
    if not moderator:
        raise ForumError(_("Only facilitators mark follow-up questions."))
    if answered is None or answered.author_id is None:
        raise ForumError(_("A follow-up question answers a participant's post."))
    if answered.author_id == author.pk:
        raise ForumError(_("A follow-up question cannot be to yourself."))
    return answered.author


@transaction.atomic
def edit_post(
    *,
    post: Post,
    editor: User,
    body: str,
    subject: str | None = None,
    title: str | None = None,
    force: bool = False,
) -> Post:
    """Replace a post's text (and, for an opening post, the topic's title),
    keeping the previous text as a revision; re-render and mark it edited.

    Raises TopicLocked if the topic is locked, unless force (facilitators and the
    admin pages). A returned post goes back to awaiting approval. An edit of
    someone else's post is written to the moderation log.
    """
    topic = Topic.objects.select_for_update().get(pk=post.topic_id)
    if topic.phase == "locked" and not force:
        raise TopicLocked
    post = Post.objects.select_for_update().get(pk=post.pk)
    delete_draft(user=editor, kind=Draft.Kind.EDIT, post=post)
    if title is not None and post.pk == topic.first_post_id:
        rename_topic(topic=topic, title=title)
    new_subject = post.subject if subject is None else plain_line(subject)
    resubmit = post.status == Post.Status.RETURNED and editor.pk == post.author_id
    if body == post.body and new_subject == post.subject and not resubmit:
        return post
    PostRevision.objects.create(
        post=post,
        subject=post.subject,
        body=post.body,
        editor=editor,
        editor_name=editor.name,
    )
    before = {"subject": post.subject, "body": post.body}
    post.body = body
    # Rendered as the author's text, whoever edits it: the images it may show
    # are the author's.
    post.body_html, mentioned = render_body(body, author=post.author, post=post)
    attachment_services.attach_to_post(post=post, ids=attached_ids(body))
    post.word_count = count_words(body)
    post.subject = new_subject
    post.edited_at = timezone.now()
    if resubmit:
        post.status = Post.Status.PENDING
    post.save(
        update_fields=[
            "body",
            "body_html",
            "word_count",
            "subject",
            "edited_at",
            "status",
        ]
    )
    versions.bump(posts=[post.pk], topics=[topic.pk])
    search.index_posts(post_ids=[post.pk])
    # Names added by the edit are told; nobody hears twice of one post.
    signals.post_edited.send(sender=Post, post=post, mentioned=mentioned)
    if editor.pk != post.author_id:
        signals.post_edited_by_other.send(
            sender=Post,
            post=post,
            editor=editor,
            before=before,
            after={"subject": post.subject, "body": post.body},
        )
    return post


@transaction.atomic
def rename_topic(*, topic: Topic, title: str) -> bool:
    """Change a topic's title; return whether it changed."""
    changed = bool(
        Topic.objects.filter(pk=topic.pk)
        .exclude(title=plain_line(title))
        .update(title=plain_line(title))
    )
    if changed:
        versions.bump(topics=[topic.pk], categories=[topic.category_id])
    if changed and topic.first_post_id:
        search.index_posts(post_ids=[topic.first_post_id])
    return changed


@transaction.atomic
def set_topic_locked(*, topic: Topic, locked: bool) -> bool:
    """Lock or unlock a topic; return whether anything changed."""
    changed = Topic.objects.filter(pk=topic.pk, is_locked=not locked).update(
        is_locked=locked
    )
    if changed:
        versions.bump(topics=[topic.pk], categories=[topic.category_id])
    topic.is_locked = locked
    return bool(changed)


@transaction.atomic
def set_topic_pinned(*, topic: Topic, pinned: bool) -> bool:
    """Pin or unpin a topic; return whether anything changed."""
    changed = Topic.objects.filter(pk=topic.pk, is_pinned=not pinned).update(
        is_pinned=pinned
    )
    if changed:
        versions.bump(topics=[topic.pk], categories=[topic.category_id])
    topic.is_pinned = pinned
    return bool(changed)


def advance_read_mark(*, read_up_to: int, positions: list[int]) -> int:
    """The read mark after showing positions: it only moves across an unbroken run,
    so posts on pages the reader has not seen stay new."""
    mark = read_up_to
    for position in sorted(set(positions)):
        if position <= mark:
            continue
        if position != mark + 1:
            break
        mark = position
    return mark


def mark_read(
    *,
    user: User,
    topic: Topic,
    read_up_to: int | None,
    positions: list[int],
    post_ids: list[int] = (),
) -> int:
    """Record that the reader saw positions (the posts post_ids); read_up_to is the
    mark before (None if the reader never opened the topic). Returns the new
    mark."""
    if post_ids and user.unread_notifications:
        # What the reader was told about these posts, they have now read.
        signals.posts_read.send(sender=Post, user=user, post_ids=list(post_ids))
    mark = advance_read_mark(read_up_to=read_up_to or 0, positions=positions)
    if read_up_to is None:
        # One INSERT; a row made meanwhile by another tab is left to the next visit.
        TopicRead.objects.bulk_create(
            [TopicRead(user=user, topic=topic, read_up_to=mark)], ignore_conflicts=True
        )
    elif mark > read_up_to:
        # Conditional update: two tabs at once can only move the mark forward.
        TopicRead.objects.filter(user=user, topic=topic, read_up_to__lt=mark).update(
            read_up_to=mark
        )
    return mark


def mark_all_read(*, user: User, category: Category | None = None) -> int:
    """Mark every topic the user may see (in category, or in the whole forum)
    read up to its last post; return how many topics that covers."""
    topics = Topic.objects.filter(permissions.visible_categories(user, "category__"))
    if category is not None:
        topics = topics.filter(category=category)
    lasts = (
        topics.annotate(last=Max("posts__position"))
        .filter(last__isnull=False)
        .values_list("pk", "last")
    )
    marks = [TopicRead(user=user, topic_id=pk, read_up_to=last) for pk, last in lasts]
    TopicRead.objects.bulk_create(
        marks,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["read_up_to"],
    )
    return len(marks)


@transaction.atomic
def recount_topic(*, topic: Topic) -> None:
    """Rebuild a topic's counters and first/last post from its rows."""
    posts = Post.objects.filter(topic=topic, status=Post.Status.PUBLISHED)
    first = posts.order_by("position").first()
    last = posts.order_by("-position").first()
    Topic.objects.filter(pk=topic.pk).update(
        post_count=posts.count(),
        first_post=first,
        last_post=last,
        last_post_at=last.created_at if last else None,
        last_post_author_name=last.author_name if last else "",
        last_post_created_at=last.created_at if last else None,
    )
    versions.bump(topics=[topic.pk], categories=[topic.category_id])


@transaction.atomic
def recount_category(*, category: Category) -> None:
    """Rebuild a category's topic and post counters and last post from its rows."""
    counts = Topic.objects.filter(category=category).aggregate(
        topics=Count("pk", distinct=True)
    )
    posts = Post.objects.filter(topic__category=category, status=Post.Status.PUBLISHED)
    last = posts.order_by("-created_at", "-pk").first()
    Category.objects.filter(pk=category.pk).update(
        topic_count=counts["topics"],
        post_count=posts.count(),
        last_post=last,
        last_post_at=last.created_at if last else None,
    )
    versions.bump(categories=[category.pk])


def recount_all() -> None:
    """Rebuild every denormalised counter in the forum."""
    for topic in Topic.objects.only("pk"):
        recount_topic(topic=topic)
    for category in Category.objects.only("pk"):
        recount_category(category=category)
    signals.counters_recounted.send(sender=Topic)


def rename_author(*, user: User) -> None:
    """Show a user's new display name on their posts and topics (the name
    snapshots). Called inside accounts.services.update_profile's transaction."""
    Post.objects.filter(author=user).update(author_name=user.name)
    Topic.objects.filter(author=user).update(author_name=user.name)
    Topic.objects.filter(last_post__author=user).update(last_post_author_name=user.name)


def remove_author(*, user: User, remove_posts: bool) -> None:
    """Keep a deleted account's topics and posts under "Former participant";
    with remove_posts, erase the posts' text and revisions, leaving hidden
    placeholders so positions and counters stay. Called inside
    accounts.services.delete_account's transaction."""
    posts = Post.objects.filter(author=user)
    if remove_posts:
        # Never part of a thread: nothing to keep a place for.
        posts.exclude(status=Post.Status.PUBLISHED).delete()
        PostRevision.objects.filter(post__author=user).delete()
        erased = list(posts.values_list("pk", flat=True))
        attachment_services.delete_of_posts(erased)
        posts.update(
            subject="",
            body="",
            body_html="",
            is_hidden=True,
            hidden_reason=REMOVED_REASON,
            hidden_by_name="",
            hidden_at=timezone.now(),
        )
        search.index_posts(post_ids=erased)
    posts.update(author_name=FORMER_PARTICIPANT)
    Topic.objects.filter(author=user).update(author_name=FORMER_PARTICIPANT)
    Topic.objects.filter(last_post__author=user).update(
        last_post_author_name=FORMER_PARTICIPANT
    )
    PostRevision.objects.filter(editor=user).update(editor_name=FORMER_PARTICIPANT)
