from .core import (
    PATH_SEGMENT,
    SCHEDULE_NAME,
    Category,
    Post,
    PostRevision,
    Topic,
    TopicListDay,
    TopicQuerySet,
    TopicRead,
    first_words,
)
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
    "SCHEDULE_NAME",
    "Category",
    "Delivery",
    "Notification",
    "NotificationSettings",
    "Post",
    "PostRevision",
    "Topic",
    "TopicListDay",
    "TopicQuerySet",
    "TopicRead",
    "Watch",
    "first_words",
]
