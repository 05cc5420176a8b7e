from .core import (
    PATH_SEGMENT,
    Category,
    Post,
    PostRevision,
    Topic,
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
    "TopicQuerySet",
    "TopicRead",
    "first_words",
]
