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
from .notifications import (
    EMAIL_FIELDS,
    MODERATION_KINDS,
    Delivery,
    Notification,
    NotificationSettings,
    Watch,
)

__all__ = [
    "EMAIL_FIELDS",
    "MODERATION_KINDS",
    "PATH_SEGMENT",
    "Category",
    "Delivery",
    "Notification",
    "NotificationSettings",
    "Post",
    "PostRevision",
    "Prompt",
    "Series",
    "SummaryRevision",
    "Topic",
    "TopicQuerySet",
    "TopicRead",
    "Watch",
    "first_words",
]
