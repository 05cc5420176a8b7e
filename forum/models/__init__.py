from .core import (
    PATH_SEGMENT,
    Category,
    Post,
    PostRevision,
    Topic,
    TopicListDay,
    TopicQuerySet,
    TopicRead,
    first_words,
)
from .dialogue import Prompt, Series, SummaryRevision

__all__ = [
    "PATH_SEGMENT",
    "Category",
    "Post",
    "PostRevision",
    "Prompt",
    "Series",
    "SummaryRevision",
    "Topic",
    "TopicListDay",
    "TopicQuerySet",
    "TopicRead",
    "first_words",
]
