"""Facilitating a dialogue: the facilitator's queue, the participation overview
and facilitators' private notes."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import Post


def html(response) -> str:
    return response.content.decode()


def backdate(post: Post, **delta) -> Post:
    """Move a post back in time, as if written earlier (a row update: no service
    sets creation times)."""
    when = timezone.now() - timedelta(**delta)
    Post.objects.filter(pk=post.pk).update(created_at=when)
    post.created_at = when
    return post


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)
