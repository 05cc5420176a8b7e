"""What the forum tells the apps built on it, sent by forum.services inside
the change's own transaction (a receiver's writes commit or roll back with it)."""

from django.dispatch import Signal

# A post's text was replaced by someone other than its author (a facilitator or
# an admin); kwargs: post, editor, before and after ({"subject", "body"}).
# Moderation writes it to its log.
post_edited_by_other = Signal()

# A post joined its topic's thread: a new published post or one just approved;
# kwargs: post. Facilitation marks the follow-up questions it answers.
post_placed = Signal()
