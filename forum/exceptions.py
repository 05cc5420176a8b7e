class ForumError(Exception):
    """A write the forum refuses; views turn it into a form error or a 403."""

    message = "This action is not allowed."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class TopicLocked(ForumError):
    message = "This topic is locked: it takes no more replies or edits."


class ParentNotInTopic(ForumError):
    message = "The post you are replying to is not in this topic."


class NotAllowed(ForumError):
    message = "You may not do this."
