"""What facilitation does when the forum or accounts announces something."""

from django.dispatch import receiver

from accounts.models import User
from accounts.signals import account_deleting
from forum.signals import post_placed

from . import services
from .services import close_follow_ups

post_placed.connect(close_follow_ups, dispatch_uid="facilitation.follow_ups")


@receiver(account_deleting, dispatch_uid="facilitation.forget_invitations")
def forget_invitations(sender, *, user: User, **kwargs) -> None:
    services.delete_invitations_of(user=user)
