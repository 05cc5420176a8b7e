"""What the forum announces to the apps built on it (notifications among them).

Every signal here is sent by forum.services inside the transaction that made
the change, so a receiver's writes commit or roll back with it; anything a
receiver sends out of the process (mail, a queued task's effects) waits for
transaction.on_commit.
"""

from django.dispatch import Signal

# A post took its place in a thread: a new post, or an approved one.
# Sent by forum.services._place_post inside the posting transaction, with the
# topic row locked. kwargs: post (Post), topic (Topic). Facilitation marks the
# follow-up questions it answers; notifications watch the topic for its author.
post_placed = Signal()

# A post became visible to readers: a new topic's opening post, a published
# reply, or a post approved by a facilitator (after follow_up_for and prompts
# are set). Sent by forum.services.create_topic, post_reply and
# place_approved_post inside the transaction. kwargs: post (Post), mentioned
# (list[str] | None: the lower-case names it @mentions outside quotes; None if
# not computed).
post_published = Signal()

# A post's text changed. Sent by forum.services.edit_post inside the
# transaction, after the new text is saved. kwargs: post (Post), mentioned
# (list[str]: the names the new text @mentions outside quotes).
post_edited = Signal()

# A signed-in reader was shown these posts on a topic page. Sent by
# forum.services.mark_read (on the reader's GET, with the read mark), only for
# a reader with unread notifications. kwargs: user (User), post_ids (list[int]).
# Notifications marks those about these posts read.
posts_read = Signal()

# Every denormalised counter is being rebuilt from the rows. Sent by
# forum.services.recount_all, outside any transaction, after the forum's own
# counters. No kwargs.
counters_recounted = Signal()

# Posts were loaded in bulk as history (the demo forum), not written live: what
# they caused should look old and send nothing. Sent by demo.seed after the
# posts are stored, inside the loading transaction. kwargs: post_ids
# (list[int]).
history_loaded = Signal()

# A post's text was replaced by someone other than its author (a facilitator or
# an admin). Sent by forum.services.edit_post inside the transaction. kwargs:
# post, editor, before and after ({"subject", "body"}). Moderation writes it to
# its log.
post_edited_by_other = Signal()

# A category's visibility was changed (in the Django admin, the one place that
# changes it). Sent by forum.admin.CategoryAdmin.save_model after the save.
# kwargs: category (Category). Notifications recount the unread badges of
# those notified about its topics.
category_visibility_changed = Signal()
