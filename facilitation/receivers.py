"""What facilitation does when the forum announces something."""

from forum.signals import post_placed

from .services import close_follow_ups

post_placed.connect(close_follow_ups, dispatch_uid="facilitation.follow_ups")
