"""The day counts (TopicListDay) as the database keeps them, and as they should
be from the topics themselves."""

from collections import Counter
from datetime import UTC

from forum.models import Topic, TopicListDay


def truth() -> Counter:
    """What the counts should be, from the topics themselves."""
    return Counter(
        (
            t.category_id,
            t.is_pinned,
            t.last_post_at.astimezone(UTC).date()
            if t.last_post_at
            else TopicListDay.NO_DAY,
        )
        for t in Topic.objects.all()
    )


def counted() -> Counter:
    rows = TopicListDay.objects.values_list("category_id", "is_pinned", "day", "n")
    assert all(n >= 0 for *_, n in rows)
    return Counter({(c, p, d): n for c, p, d, n in rows if n})
