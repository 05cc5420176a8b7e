from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ForumError(Exception):
    """A write the forum refuses; views turn it into a form error or a 403."""

    message = _("This action is not allowed.")

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message


class TopicLocked(ForumError):
    message = _("This topic is locked: it takes no more replies or edits.")


class ParentNotInTopic(ForumError):
    message = _("The post you are replying to is not in this topic.")


class NotAllowed(ForumError):
    message = _("You may not do this.")


class SecondFactorRequired(PermissionDenied):
    """A 403 for staff and facilitators who have not set up two-factor sign-in;
    its page links to the setup (config.errors.permission_denied)."""

    def __init__(self):
        super().__init__(
            _(
                "Facilitators and admins sign in with a second factor. Set up "
                "two-factor sign-in to use these tools."
            )
        )
