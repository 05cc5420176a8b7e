from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.rendering import render_markdown

from . import signals
from .models import User
from .signals import user_shown_changed


@transaction.atomic
def update_profile(
    *,
    user: User,
    display_name: str,
    signature: str,
    language: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change a user's display name and signature, re-rendering the signature,
    and (when given) their language and time zone; their posts and topics show
    the new name (the snapshots follow it)."""
    from forum.models import Post, Topic

    old_shown = (user.name, user.signature)
    changes = {
        "display_name": display_name.strip(),
        "signature": signature,
        "signature_html": render_markdown(signature) if signature.strip() else "",
    }
    if language is not None:
        changes["language"] = language
    if time_zone is not None:
        changes["time_zone"] = time_zone
    User.objects.filter(pk=user.pk).update(**changes)
    user.refresh_from_db(fields=list(changes))
    if (user.name, user.signature) != old_shown:
        user_shown_changed.send(sender=User, user=user)
    if user.name != old_shown[0]:
        Post.objects.filter(author=user).update(author_name=user.name)
        Topic.objects.filter(author=user).update(author_name=user.name)
        Topic.objects.filter(last_post__author=user).update(
            last_post_author_name=user.name
        )
    return user


def set_thread_view(*, user: User, view: str) -> bool:
    """Remember a signed-in reader's choice of threaded or flat view."""
    if view not in User.ThreadView.values or user.thread_view == view:
        return False
    User.objects.filter(pk=user.pk).update(thread_view=view)
    user.thread_view = view
    return True


def set_language(*, user: User, language: str) -> bool:
    """Remember a signed-in user's interface language ("" follows the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language!r}")
    if user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


@transaction.atomic
def create_user(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str = "",
    signature: str = "",
    is_staff: bool = False,
    verified: bool = True,
) -> User:
    """Create an account with a (by default verified) primary email address."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff,
        is_superuser=is_staff,
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return update_profile(user=user, display_name=display_name, signature=signature)


FORMER_PARTICIPANT = "Former participant"
REMOVED_REASON = "Removed at the author's request"


def _when(value) -> str | None:
    return value.isoformat() if value else None


def export_user_data(*, user: User) -> dict:
    """Everything the forum holds about a user, ready for json.dumps: profile,
    email addresses, roles, topics, posts, the revisions of their posts, reports,
    notification settings and watches."""
    # Imported here: the forum and moderation build on accounts, not the reverse.
    from allauth.account.models import EmailAddress

    from forum.models import Post, PostRevision, Topic
    from moderation.models import Facilitator, Member, Report

    posts = (
        Post.objects.filter(author=user)
        .select_related("topic")
        .order_by("created_at", "pk")
    )
    revisions = (
        PostRevision.objects.filter(post__author=user)
        .select_related("post")
        .order_by("post_id", "edited_at", "pk")
    )
    return {
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "signature": user.signature,
            "thread_view": user.thread_view,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "is_admin": user.is_staff,
            "suspended_at": _when(user.suspended_at),
            "suspended_until": _when(user.suspended_until),
            "suspension_reason": user.suspension_reason,
            "facilitator_of": list(
                Facilitator.objects.filter(user=user)
                .order_by("category__name")
                .values_list("category__name", flat=True)
            ),
            "member_of": list(
                Member.objects.filter(user=user)
                .order_by("category__name")
                .values_list("category__name", flat=True)
            ),
        },
        "email_addresses": [
            {"email": a.email, "primary": a.primary, "verified": a.verified}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "topics": [
            {
                "id": t.pk,
                "title": t.title,
                "url": t.get_absolute_url(),
                "category": t.category.name,
                "created_at": _when(t.created_at),
            }
            for t in Topic.objects.filter(author=user)
            .select_related("category")
            .order_by("created_at", "pk")
        ],
        "posts": [
            {
                "id": p.pk,
                "url": p.get_absolute_url(),
                "topic": p.topic.title,
                "topic_url": p.topic.get_absolute_url(),
                "position": p.position,
                "created_at": _when(p.created_at),
                "edited_at": _when(p.edited_at),
                "status": p.status,
                "is_hidden": p.is_hidden,
                "subject": p.subject,
                "body": p.body,
            }
            for p in posts
        ],
        "revisions": [
            {
                "post_id": r.post_id,
                "post_url": r.post.get_absolute_url(),
                "replaced_at": _when(r.edited_at),
                "replaced_by": r.editor_name,
                "subject": r.subject,
                "body": r.body,
            }
            for r in revisions
        ],
        "reports": [
            {
                "post_url": r.post.get_absolute_url(),
                "reason": r.reason,
                "text": r.text,
                "created_at": _when(r.created_at),
                "status": r.status,
            }
            for r in Report.objects.filter(reporter=user)
            .select_related("post")
            .order_by("created_at", "pk")
        ],
        **_other_apps_data(user),
    }


def _other_apps_data(user: User) -> dict:
    """The sections the apps built on accounts hold about the user (their
    notification choices and watches, among others)."""
    sections: dict = {}
    for _receiver, part in signals.personal_data_requested.send(sender=User, user=user):
        sections.update(part)
    return sections


@transaction.atomic
def delete_account(*, user: User, actor: User, remove_posts: bool) -> None:
    """Delete an account for good. Its topics and posts stay in their threads
    under "Former participant"; with remove_posts, the posts' text and revisions
    are erased and placeholders keep the threads' shape (positions and counters
    unchanged). actor is the user or an admin acting for them."""
    # Imported here: the forum and moderation build on accounts, not the reverse.
    from forum import search
    from forum.models import Post, PostRevision, Topic
    from moderation.models import Report

    if actor.pk != user.pk and not actor.is_staff:
        raise PermissionDenied(_("Only the user or an admin may delete an account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    posts = Post.objects.filter(author=user)
    if remove_posts:
        # Never part of a thread: nothing to keep a place for.
        posts.exclude(status=Post.Status.PUBLISHED).delete()
        PostRevision.objects.filter(post__author=user).delete()
        erased = list(posts.values_list("pk", flat=True))
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
    Report.objects.filter(reporter=user).delete()
    user_shown_changed.send(sender=User, user=user)
    # The rest goes with the row: email addresses, read marks, roles and
    # memberships cascade; posts, topics and audit entries keep their rows with
    # the user set to null. A session of the account no longer signs anyone in.
    user.delete()


def set_export_consent(*, user: User, named: bool | None) -> None:
    """Record whether the user may be named in exported dialogues (None: not
    decided, so not named, and asked again on their next post in a dialogue)."""
    User.objects.filter(pk=user.pk).update(named_in_exports=named)
    user.named_in_exports = named
