"""What moderation announces to the apps built on it (notifications among them).

Every signal here is sent by moderation.services inside the action's
transaction, so a receiver's writes commit or roll back with the action and
its audit entry.
"""

from django.dispatch import Signal

# A post was hidden behind a placeholder, or shown again. Sent by
# moderation.services.hide_post and unhide_post inside the transaction, after
# the post row is updated. kwargs: post (Post, with topic__category loaded),
# hidden (bool: True if now hidden), actor (User: the facilitator), reason
# (str: the facilitator's words, possibly empty; when hiding resolves reports
# without words of their own, the reports' reason in the facilitator's
# language), report_reason (str: in that case the reports' Report.Reason code,
# else ""), facilitator_ids (set[int]: who moderates the post's category and
# may still read it).
post_visibility_changed = Signal()

# Reports on a post were resolved. Sent by moderation.services.resolve_report
# inside the transaction, after the reports are updated. kwargs: post (Post),
# actor (User), hidden (bool: True if the post was hidden, False if the
# reports were dismissed), reporter_ids (list[int]: who filed the resolved
# reports), note (str: the facilitator's words, possibly empty).
reports_resolved = Signal()

# A post awaiting approval was sent back to its author to be edited and sent
# again. Sent by moderation.services.return_post inside the transaction, after
# the post row is updated. kwargs: post (Post, with topic__category loaded),
# actor (User: the facilitator), reason (str: the facilitator's words, possibly
# empty).
post_returned = Signal()

# Who may read a topic changed: it moved to another category, or a user gained
# or lost a role (member, facilitator) in a category. Sent by
# moderation.services.move_topic, add_member, remove_member,
# appoint_facilitator and remove_facilitator inside the transaction, after the
# change. kwargs: topic (Topic | None: the topic moved), user (User | None: the
# user whose roles changed). Notifications recount the unread badges involved.
readers_changed = Signal()
