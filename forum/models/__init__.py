from .core import (
    PATH_SEGMENT,
    SCHEDULE_NAME,
    Category,
    Post,
    PostRevision,
    Topic,
    TopicQuerySet,
    TopicRead,
    first_words,
)
from .drafts import Draft
from .limits import RateLimit

__all__ = [
    "PATH_SEGMENT",
    "SCHEDULE_NAME",
    "Category",
    "Draft",
    "Post",
    "PostRevision",
    "RateLimit",
    "Topic",
    "TopicQuerySet",
    "TopicRead",
    "first_words",
]
