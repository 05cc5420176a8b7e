"""What the forum does when accounts announces or asks something, and when a
database connection opens."""

from django.db.backends.signals import connection_created
from django.dispatch import receiver

from accounts.models import User
from accounts.services import export_time
from accounts.signals import (
    account_deleting,
    personal_data_requested,
    signature_rendering,
    user_renamed,
)

from . import search, services
from .markdown import render_markdown
from .models import Draft, Post, PostRevision, Topic


@receiver(signature_rendering, dispatch_uid="forum.signature")
def render_signature(sender, *, text: str, **kwargs) -> str:
    return render_markdown(text)


@receiver(user_renamed, dispatch_uid="forum.rename_author")
def rename_author(sender, *, user: User, **kwargs) -> None:
    services.rename_author(user=user)


@receiver(account_deleting, dispatch_uid="forum.remove_author")
def remove_author(sender, *, user: User, remove_posts: bool, **kwargs) -> None:
    services.remove_author(user=user, remove_posts=remove_posts)


@receiver(personal_data_requested, dispatch_uid="forum.personal_data")
def personal_data(sender, *, user: User, **kwargs) -> dict:
    """The user's topics, posts, the earlier versions of their posts and
    their drafts."""
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
        "topics": [
            {
                "id": t.pk,
                "title": t.title,
                "url": t.get_absolute_url(),
                "category": t.category.name,
                "created_at": export_time(t.created_at),
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
                "created_at": export_time(p.created_at),
                "edited_at": export_time(p.edited_at),
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
                "replaced_at": export_time(r.edited_at),
                "replaced_by": r.editor_name,
                "subject": r.subject,
                "body": r.body,
            }
            for r in revisions
        ],
        "drafts": [
            {
                "kind": d.kind,
                "category": d.category.name if d.category else None,
                "topic": d.topic.title if d.topic else None,
                "post_url": d.post.get_absolute_url() if d.post else None,
                "updated_at": export_time(d.updated_at),
                "title": d.title,
                "body": d.body,
            }
            for d in Draft.objects.filter(user=user)
            .select_related("category", "topic", "post")
            .order_by("updated_at", "pk")
        ],
    }


@receiver(connection_created, dispatch_uid="forum.sqlite_search_fold")
def add_search_fold(sender, *, connection, **kwargs) -> None:
    """SQLite has no unaccent: search compares texts folded by Python."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            search.SQLITE_FOLD, 1, search.fold_or_none, deterministic=True
        )
