"""Reads of attachments."""

from django.db.models import Sum

from .models import Attachment


def usable_by(*, author, post=None, ids: list[int]):
    """The attachments among ids that author's text may show: their own uploads
    not yet in a post, and those already in post (when editing it)."""
    if not ids:
        return Attachment.objects.none()
    own = (
        Attachment.objects.filter(pk__in=ids, owner=author, post__isnull=True)
        if author is not None
        else Attachment.objects.none()
    )
    if post is None or post.pk is None:
        return own
    return own | Attachment.objects.filter(pk__in=ids, post=post)


def thumbnail_sizes(*, author, post=None, ids: list[int]) -> dict[int, tuple]:
    """(width, height) of the thumbnails of the images a post may show."""
    rows = usable_by(author=author, post=post, ids=ids).filter(
        kind=Attachment.Kind.IMAGE
    )
    return {
        pk: (width, height)
        for pk, width, height in rows.values_list(
            "pk", "thumbnail_width", "thumbnail_height"
        )
    }


def bytes_used(*, author, post=None, ids: list[int]) -> int:
    """What the attachments a text shows take, against the per-post limit."""
    total = usable_by(author=author, post=post, ids=ids).aggregate(total=Sum("size"))
    return total["total"] or 0


def of_posts(post_ids) -> dict[int, list[Attachment]]:
    """The attachments of each post, oldest first (the queues list them)."""
    found: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(post_id__in=post_ids).order_by("pk"):
        found.setdefault(attachment.post_id, []).append(attachment)
    return found


def of_owner(user) -> list[Attachment]:
    return list(Attachment.objects.filter(owner=user).order_by("pk"))
