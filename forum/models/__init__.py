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

__all__ = [
    "PATH_SEGMENT",
    "SCHEDULE_NAME",
    "Category",
    "Post",
    "PostRevision",
    "Topic",
    "TopicQuerySet",
    "TopicRead",
    "first_words",
]
