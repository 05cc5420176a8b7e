"""Moderation end to end through the test client: facilitators' actions, what
authors and participants then see, and the facilitators' and admins' pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum import services as forum_services
from forum.models import Category, Post, Topic
from moderation import services
from moderation.models import AuditEntry, Facilitator, Member, Report
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    add_authenticator_app,
    make_facilitator,
)
from tests.helpers import configure, count_queries, fresh, html


def user_content(page: str) -> list[str]:
    """The inner HTML of every element marked as user content."""
    return [
        match.group(2)
        for match in re.finditer(
            r"<(\w+)[^>]*\sdata-user-content[^>]*>(.*?)</\1>", page, re.S
        )
    ]


REPLY_FORM = 'action="/t/{pk}/reply/"'


@pytest.fixture
def reply(topic, user):
    return ReplyFactory(topic=topic, author=user, body="Call me on 0123 456 789.")


@pytest.fixture
def participant():
    return UserFactory(display_name="Pat Reader")


# Lock


def test_facilitator_locks_topic_with_closing_note(client, topic, facilitator, user):
    """The topic page names who locked it, shows the note and takes no replies."""
    client.force_login(user)
    assert REPLY_FORM.format(pk=topic.pk) in html(client.get(topic.get_absolute_url()))

    client.force_login(facilitator)
    response = client.post(
        f"/moderation/t/{topic.pk}/lock/",
        {"note": "Thank you all. The **summary** follows."},
        follow=True,
    )

    assert response.status_code == 200
    assert "Topic locked." in html(response)
    client.force_login(user)
    page = html(client.get(topic.get_absolute_url()))
    assert "Locked by Mira Sol on" in page
    assert any(
        "The <strong>summary</strong> follows." in content
        for content in user_content(page)
    )
    assert REPLY_FORM.format(pk=topic.pk) not in page
    assert client.get(f"/t/{topic.pk}/reply/").status_code == 302
    assert client.post(f"/t/{topic.pk}/reply/", {"body": "Late"}).status_code == 403


def test_locking_again_says_already_locked(client, topic, facilitator):
    """A second lock shows a message and writes no second entry."""
    client.force_login(facilitator)
    client.post(f"/moderation/t/{topic.pk}/lock/", {"note": "Closed."})

    response = client.post(
        f"/moderation/t/{topic.pk}/lock/", {"note": "Again"}, follow=True
    )

    assert "This topic was already locked." in html(response)
    assert AuditEntry.objects.filter(action="lock").count() == 1
    assert fresh(topic).closing_note == "Closed."


def test_participant_cannot_lock(client, topic, user):
    """Only the category's facilitators may lock its topics."""
    client.force_login(user)

    response = client.post(f"/moderation/t/{topic.pk}/lock/", {"note": "Mine"})

    assert response.status_code == 403
    assert not fresh(topic).is_locked
    assert AuditEntry.objects.count() == 0


def test_unlock_reopens_the_reply_form(client, topic, facilitator):
    """Unlocking brings the reply form back."""
    client.force_login(facilitator)
    client.post(f"/moderation/t/{topic.pk}/lock/")

    response = client.post(f"/moderation/t/{topic.pk}/unlock/", follow=True)

    assert "Topic unlocked." in html(response)
    assert REPLY_FORM.format(pk=topic.pk) in html(response)


def test_topic_page_offers_facilitators_their_tools(client, reply, facilitator):
    """A facilitator sees the topic tools and a Hide link on each post."""
    client.force_login(facilitator)

    page = html(client.get(reply.topic.get_absolute_url()))

    assert "Facilitator tools" in page
    action = f'action="/moderation/t/{reply.topic_id}/close/"'
    lock_form = re.search(rf"<form method=\"post\" {action}>.*?</form>", page, re.S)
    lock_form = lock_form.group(0)
    assert 'name="csrfmiddlewaretoken"' in lock_form
    assert f'href="/moderation/p/{reply.pk}/hide/"' in page


def test_topic_tools_are_not_offered_to_participants(client, reply, user):
    """Participants see no facilitator tools and no Hide links."""
    client.force_login(user)

    page = html(client.get(reply.topic.get_absolute_url()))

    assert "Facilitator tools" not in page
    assert f'href="/moderation/p/{reply.pk}/hide/"' not in page
    assert f"/moderation/t/{reply.topic_id}/close/" not in page


# Hide and unhide


def test_hide_form_needs_a_reason(client, reply, facilitator):
    """The hide page asks for a reason; without one nothing is hidden."""
    client.force_login(facilitator)
    url = f"/moderation/p/{reply.pk}/hide/"

    page = html(client.get(url))
    assert 'name="reason"' in page
    assert "Call me on 0123 456 789." in page

    response = client.post(url, {"reason": "   "})

    assert response.status_code == 200
    assert "Give a reason; the author will see it." in html(response)
    assert 'name="reason"' in html(response)
    assert not fresh(reply).is_hidden
    assert AuditEntry.objects.count() == 0


def test_hidden_post_shows_reason_to_author_and_placeholder_to_others(
    client, reply, facilitator, user, participant
):
    """The author reads who hid the post and why; others see a placeholder."""
    client.force_login(facilitator)
    response = client.post(
        f"/moderation/p/{reply.pk}/hide/",
        {"reason": "No phone numbers, please."},
        follow=True,
    )
    assert "Post hidden." in html(response)

    client.force_login(user)
    page = html(client.get(reply.topic.get_absolute_url()))
    assert "Hidden by Mira Sol</strong>: No phone numbers, please." in page
    assert "Call me on 0123 456 789." in page

    client.force_login(participant)
    page = html(client.get(reply.topic.get_absolute_url()))
    assert "This post was hidden by a facilitator." in page
    assert "0123 456 789" not in page
    assert "No phone numbers, please." not in page


def test_unhide_shows_the_post_to_everyone_again(
    client, reply, facilitator, participant
):
    """After unhiding, participants read the text again."""
    services.hide_post(post=reply, actor=facilitator, reason="Check first")
    client.force_login(facilitator)

    response = client.post(f"/moderation/p/{reply.pk}/unhide/", follow=True)

    assert "Post shown again." in html(response)
    client.force_login(participant)
    page = html(client.get(reply.topic.get_absolute_url()))
    assert "Call me on 0123 456 789." in page
    assert "This post was hidden by a facilitator." not in page


def test_author_rephrases_a_hidden_post_after_the_edit_window(
    client, reply, facilitator, user, participant, settings
):
    """A post hidden with a request to rephrase stays editable by its author
    once the edit window has passed; the edit keeps it hidden and puts it
    before the facilitators, who show it again."""
    services.hide_post(post=reply, actor=facilitator, reason="Please rephrase.")
    hours = settings.FORUM_EDIT_WINDOW_HOURS + 1
    Post.objects.filter(pk=reply.pk).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )
    client.force_login(user)
    page = html(client.get(reply.topic.get_absolute_url()))
    assert f'href="/p/{reply.pk}/edit/"' in page
    assert "You may edit it to rephrase it" in page

    response = client.post(
        f"/p/{reply.pk}/edit/", {"body": "Call the council office instead."}
    )
    assert response.status_code == 302
    rephrased = fresh(reply)
    assert rephrased.body == "Call the council office instead."
    assert rephrased.is_hidden and rephrased.is_rephrased
    assert "Rephrased by the author" in html(client.get(reply.topic.get_absolute_url()))
    client.force_login(participant)
    assert "council office" not in html(client.get(reply.topic.get_absolute_url()))

    client.force_login(facilitator)
    queue = html(client.get("/moderation/approvals/"))
    assert "Call the council office instead." in queue
    assert f'action="/moderation/p/{reply.pk}/unhide/"' in queue
    client.post(f"/moderation/p/{reply.pk}/unhide/")
    assert not fresh(reply).is_hidden
    assert "council office" not in html(client.get("/moderation/approvals/"))


def test_author_cannot_rephrase_a_hidden_post_in_a_locked_topic(
    client, reply, facilitator, user, settings
):
    """Locking ends rephrasing as it ends every participant's edits."""
    services.hide_post(post=reply, actor=facilitator, reason="Please rephrase.")
    services.lock_topic(topic=reply.topic, actor=facilitator)
    client.force_login(user)
    assert client.get(f"/p/{reply.pk}/edit/").status_code == 403


# Revision history


def test_history_shows_versions_and_diff_to_author_and_facilitator(
    client, topic, user, facilitator, participant
):
    """The author and facilitators see every version and what changed."""
    post = ReplyFactory(topic=topic, author=user, body="First line\nSecond line")
    client.force_login(user)
    client.post(
        f"/p/{post.pk}/edit/",
        {"subject": "", "body": "First line\nSecond, better line", "save": "1"},
    )
    forum_services.edit_post(
        post=fresh(post), editor=facilitator, body="First line\nSecond, better line."
    )
    url = f"/p/{post.pk}/history/"

    for viewer in (user, facilitator):
        client.force_login(viewer)
        page = html(client.get(url))
        assert "3 versions" in page
        assert re.search(r"<del>(<span[^>]*>Removed: </span>)?Second line</del>", page)
        assert re.search(
            r"<ins>(<span[^>]*>Added: </span>)?Second, better line</ins>", page
        )
        assert re.search(
            r"<ins>(<span[^>]*>Added: </span>)?Second, better line\.</ins>", page
        )
        assert "by Mira Sol" in page

    client.force_login(participant)
    assert client.get(url).status_code == 404


# Reports


def test_report_journey_from_participant_to_facilitator_and_back(
    client, reply, participant, facilitator
):
    """A participant reports once; the facilitator hides the post from the
    queue; the reporter sees that it was handled."""
    url = f"/moderation/p/{reply.pk}/report/"
    client.force_login(participant)
    assert 'value="abuse"' in html(client.get(url))

    response = client.post(
        url, {"reason": "abuse", "text": "Shares a stranger's number."}, follow=True
    )
    assert "Thank you. The facilitators will look at your report." in html(response)
    assert "You have already reported this post." in html(client.get(url))
    second = client.post(url, {"reason": "spam", "text": "Again"})
    assert "You have already reported this post." in html(second)
    report = Report.objects.get()
    assert (report.reason, report.text) == ("abuse", "Shares a stranger's number.")

    client.force_login(facilitator)
    page = html(client.get("/moderation/reports/"))
    assert "Abusive or hateful" in page
    assert "Shares a stranger&#x27;s number." in page
    assert "Reported by Pat Reader" in page
    response = client.post(
        f"/moderation/reports/{report.pk}/resolve/",
        {"outcome": "hide", "reason": ""},
        follow=True,
    )
    assert "Post hidden and report closed." in html(response)
    assert "No open reports." in html(response)
    post = fresh(reply)
    assert post.is_hidden
    assert post.hidden_reason == "Abusive or hateful"

    client.force_login(participant)
    page = html(client.get("/moderation/my-reports/"))
    assert "handled: the post was hidden" in page
    assert "waiting for a facilitator" not in page


def test_dismissed_report_shows_as_handled(client, reply, participant, facilitator):
    """Dismissing leaves the post and tells the reporter no action was needed."""
    report = services.report_post(post=reply, reporter=participant, reason="spam")
    client.force_login(participant)
    assert "waiting for a facilitator" in html(client.get("/moderation/my-reports/"))

    client.force_login(facilitator)
    client.post(f"/moderation/reports/{report.pk}/resolve/", {"outcome": "dismiss"})

    assert not fresh(reply).is_hidden
    client.force_login(participant)
    assert "handled: no action needed" in html(client.get("/moderation/my-reports/"))


def test_participant_cannot_resolve_reports(client, reply, participant, user):
    """Resolving is for facilitators; the report stays open."""
    report = services.report_post(post=reply, reporter=participant, reason="spam")
    client.force_login(participant)

    response = client.post(
        f"/moderation/reports/{report.pk}/resolve/", {"outcome": "hide"}
    )

    assert response.status_code == 403
    assert fresh(report).status == Report.Status.OPEN
    assert client.get("/moderation/reports/").status_code == 403


# Approval


@pytest.fixture
def newcomer():
    return UserFactory(display_name="Nia New")


@pytest.fixture
def held(client, topic, newcomer):
    """A newcomer's reply, posted through the form in a category that holds a
    new user's first post."""
    configure(topic.category, approval_threshold=1)
    client.force_login(newcomer)
    response = client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Hello from the newcomer.", "subject": "", "submission_key": "k1"},
    )
    assert response.status_code == 302
    post = Post.objects.get(author=newcomer)
    assert post.status == Post.Status.PENDING
    return post


def test_author_sees_own_post_awaiting_approval(client, held):
    """The author sees their held reply marked "Awaiting approval"."""
    page = html(client.get(held.topic.get_absolute_url()))

    assert "Awaiting approval." in page
    assert "Hello from the newcomer." in page


def test_held_post_is_hidden_from_others_and_queued_for_facilitator(
    client, held, participant, facilitator
):
    """Other participants do not see a held reply; the facilitator's approval
    queue lists it."""
    client.force_login(participant)
    page = html(client.get(held.topic.get_absolute_url()))
    assert "Hello from the newcomer." not in page
    assert "Awaiting approval" not in page
    assert client.get(f"/p/{held.pk}/").status_code == 404
    assert fresh(held.topic).post_count == 1

    client.force_login(facilitator)
    page = html(client.get("/moderation/approvals/"))
    assert "Hello from the newcomer." in page
    assert "By Nia New in" in page
    assert f'action="/moderation/p/{held.pk}/approve/"' in page


def test_author_sees_why_the_post_was_returned(client, held, newcomer, facilitator):
    """A returned post shows its author the facilitator's reason."""
    services.return_post(post=held, actor=facilitator, reason="Please add a source.")
    client.force_login(newcomer)

    page = html(client.get(held.topic.get_absolute_url()))

    assert "Returned to the author" in page
    assert "Please add a source." in page


def test_return_edit_resubmit_and_approve(
    client, held, newcomer, facilitator, participant
):
    """Returned to the author, edited, back in the queue, approved into the
    thread."""
    client.force_login(facilitator)
    url = f"/moderation/p/{held.pk}/return/"
    assert 'name="reason"' in html(client.get(url))
    response = client.post(url, {"reason": "Please add a source."}, follow=True)
    assert "Post returned to its author." in html(response)
    assert "Hello from the newcomer." not in html(client.get("/moderation/approvals/"))
    post = fresh(held)
    assert (post.status, post.return_reason) == ("returned", "Please add a source.")

    client.force_login(newcomer)
    edit_page = html(client.get(f"/p/{held.pk}/edit/"))
    assert "Hello from the newcomer." in edit_page  # the text is kept
    client.post(
        f"/p/{held.pk}/edit/",
        {"subject": "", "body": "Hello, with a source.", "save": "1"},
    )
    post = fresh(held)
    assert post.status == Post.Status.PENDING
    assert [r.body for r in post.revisions.all()] == ["Hello from the newcomer."]

    client.force_login(facilitator)
    assert "Hello, with a source." in html(client.get("/moderation/approvals/"))
    response = client.post(
        f"/moderation/p/{held.pk}/approve/",
        {"next": "/moderation/approvals/"},
        follow=True,
    )
    assert "Post approved." in html(response)
    assert "Nothing is waiting for approval." in html(response)

    client.force_login(participant)
    page = html(client.get(held.topic.get_absolute_url()))
    assert "Hello, with a source." in page
    assert f'id="p{held.pk}"' in page
    assert fresh(held.topic).post_count == 2


def test_held_reply_in_flat_view_lands_on_the_topic(client, topic, newcomer):
    """A reader of the flat view who posts a held reply is sent to the topic."""
    configure(topic.category, approval_threshold=1)
    client.force_login(newcomer)
    client.post("/view/", {"view": "flat", "next": "/"})

    response = client.post(
        f"/t/{topic.pk}/reply/",
        {"body": "Flat and held.", "subject": "", "submission_key": "k2"},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(f"/t/{topic.pk}/")


# Users


def test_users_page_searches_and_filters_by_role(client, admin, facilitator, user):
    """Admins search users by name and filter them by role."""
    client.force_login(admin)

    page = html(client.get("/moderation/users/", {"q": "rosa"}))
    assert "Rosa Ilunga" in page
    assert "Mira Sol" not in page

    page = html(client.get("/moderation/users/", {"role": "facilitator"}))
    assert "Mira Sol" in page
    assert "Rosa Ilunga" not in page

    page = html(client.get("/moderation/users/", {"role": "staff"}))
    assert f'href="/moderation/users/{admin.pk}/"' in page
    assert f'href="/moderation/users/{user.pk}/"' not in page


def test_users_pages_are_for_admins_only(client, facilitator, user):
    """Facilitators do not manage users."""
    client.force_login(facilitator)

    assert client.get("/moderation/users/").status_code == 403
    assert client.get(f"/moderation/users/{user.pk}/").status_code == 403
    response = client.post(
        f"/moderation/users/{user.pk}/", {"suspend": "1", "reason": "No"}
    )
    assert response.status_code == 403
    assert not fresh(user).is_suspended


def test_suspended_filter_leaves_out_lapsed_suspensions(client, admin, user):
    """Someone whose suspension has ended is not listed as suspended."""
    lapsed = UserFactory(display_name="Lapsed Lee")
    services.suspend_user(user=user, actor=admin, reason="Now")
    services.suspend_user(user=lapsed, actor=admin, reason="Then")
    User.objects.filter(pk=lapsed.pk).update(suspended_until="2000-01-01T00:00Z")
    client.force_login(admin)

    page = html(client.get("/moderation/users/", {"role": "suspended"}))

    assert "Rosa Ilunga" in page
    assert "Lapsed Lee" not in page


def test_suspend_with_date_shows_banner_and_blocks_replies(client, admin, user, topic):
    """A suspended user reads the end date and reason and cannot reply."""
    client.force_login(admin)
    response = client.post(
        f"/moderation/users/{user.pk}/",
        {"suspend": "1", "reason": "Repeated insults", "until": "2099-05-01T09:30"},
        follow=True,
    )
    assert "Account suspended." in html(response)
    assert "Suspended until 1 May 2099, 09:30. Reason: Repeated insults" in html(
        response
    )

    client.force_login(user)
    page = html(client.get(topic.get_absolute_url()))
    banner = re.search(r'<p class="suspended-banner".*?</p>', page, re.S).group(0)
    text = re.sub(r"<[^>]+>", "", banner)
    assert "Your account is suspended until 1 May 2099, 09:30." in text
    assert "Reason: Repeated insults" in text
    assert REPLY_FORM.format(pk=topic.pk) not in page
    response = client.post(
        f"/t/{topic.pk}/reply/", {"body": "Let me in", "submission_key": "s1"}
    )
    assert response.status_code == 403
    assert not Post.objects.filter(author=user).exists()


def test_unsuspend_lets_the_user_post_again(client, admin, user, topic):
    """Lifting a suspension removes the banner and allows replies."""
    services.suspend_user(user=user, actor=admin, reason="Cooling off")
    client.force_login(admin)

    response = client.post(
        f"/moderation/users/{user.pk}/", {"unsuspend": "1"}, follow=True
    )

    assert "Suspension lifted." in html(response)
    client.force_login(user)
    page = html(client.get(topic.get_absolute_url()))
    assert "Your account is suspended" not in page
    assert REPLY_FORM.format(pk=topic.pk) in page
    response = client.post(
        f"/t/{topic.pk}/reply/", {"body": "Back again", "submission_key": "s2"}
    )
    assert response.status_code == 302


def test_suspend_with_date_and_hide_posts_keeps_the_date(client, admin, user, reply):
    """Ticking "hide all their posts" keeps the chosen end date."""
    client.force_login(admin)

    client.post(
        f"/moderation/users/{user.pk}/",
        {
            "suspend": "1",
            "reason": "Spam",
            "until": "2099-05-01T09:30",
            "hide_posts": "on",
        },
    )

    assert fresh(reply).is_hidden
    assert fresh(user).suspended_until is not None


def test_appoint_and_remove_facilitator(client, admin, user, category, topic):
    """An admin appoints a user facilitator of a category and removes them; the
    topic pages follow at once."""
    client.force_login(user)
    assert "Facilitator tools" not in html(client.get(topic.get_absolute_url()))
    client.force_login(admin)
    url = f"/moderation/users/{user.pk}/"

    response = client.post(url, {"appoint": category.pk}, follow=True)

    assert "Facilitator appointed." in html(response)
    assert 'Remove<span class="visually-hidden"> as facilitator of Dialogues' in html(
        response
    )
    assert fresh(user).is_facilitator
    entry = AuditEntry.objects.get(action="appoint")
    assert (entry.actor, entry.target_user, entry.category) == (admin, user, category)
    client.force_login(user)
    # A new facilitator's tools open once they have set up a second factor.
    assert client.get("/moderation/").status_code == 403
    assert "Facilitator tools" not in html(client.get(topic.get_absolute_url()))
    add_authenticator_app(user)
    assert client.get("/moderation/").status_code == 200
    assert "Facilitator tools" in html(client.get(topic.get_absolute_url()))

    client.force_login(admin)
    response = client.post(url, {"remove_role": category.pk}, follow=True)

    assert "Facilitator removed." in html(response)
    assert not Facilitator.objects.filter(user=user).exists()
    assert not fresh(user).is_facilitator
    client.force_login(user)
    assert client.get("/moderation/").status_code == 403
    assert "Facilitator tools" not in html(client.get(topic.get_absolute_url()))


def test_bulk_suspend_hides_all_posts_and_logs(client, admin, topic, user):
    """Checked users are suspended and every post of theirs is hidden and logged;
    the admin never suspends themselves."""
    spammers = [UserFactory(), UserFactory()]
    spam = [
        ReplyFactory(topic=topic, author=spammers[0], body="Cheap watches"),
        ReplyFactory(topic=topic, author=spammers[0], body="More watches"),
        ReplyFactory(topic=topic, author=spammers[1], body="Casino"),
    ]
    keep = ReplyFactory(topic=topic, author=user, body="A real reply")
    client.force_login(admin)

    chosen = {"user": [spammers[0].pk, spammers[1].pk, admin.pk], "reason": "Spam run"}
    response = client.post("/moderation/users/bulk/", {**chosen, "confirm": "1"})
    response = client.get(response.url)

    assert "2 account(s) suspended and 3 post(s) hidden." in html(response)
    assert all(fresh(u).is_suspended for u in spammers)
    assert not fresh(admin).is_suspended
    assert all(fresh(p).is_hidden for p in spam)
    assert not fresh(keep).is_hidden
    assert AuditEntry.objects.filter(action="suspend", reason="Spam run").count() == 2
    assert AuditEntry.objects.filter(action="hide", reason="Spam run").count() == 3


def test_bulk_suspend_asks_first_listing_who_and_how_many_posts(client, admin, topic):
    """The first press shows, without changing anything, whom the action
    suspends and how many posts of each it hides; the page's own button
    (a plain form, no JavaScript) carries the choice and the reason on."""
    spammers = [UserFactory(username="spam1"), UserFactory(username="spam2")]
    for body in ("Cheap watches", "More watches"):
        ReplyFactory(topic=topic, author=spammers[0], body=body)
    ReplyFactory(topic=topic, author=spammers[1], body="Casino")
    client.force_login(admin)

    page = html(
        client.post(
            "/moderation/users/bulk/",
            {"user": [u.pk for u in spammers], "reason": "Spam <run>"},
        )
    )

    assert "Suspend these 2 accounts and hide their posts?" in page
    assert "3 posts will be hidden" in page
    rows = re.findall(r"@(spam\d)</span></td><td[^>]*>(\d+)</td>", page)
    assert rows == [("spam1", "2"), ("spam2", "1")]
    assert 'name="reason" value="Spam &lt;run&gt;"' in page
    assert page.count('type="hidden" name="user"') == 2
    assert 'name="confirm"' in page
    assert not any(fresh(u).is_suspended for u in spammers)
    assert AuditEntry.objects.count() == 0


def test_lifting_a_bulk_suspension_can_unhide_exactly_its_posts(client, admin, topic):
    """Lifting the suspension offers to unhide the posts the bulk action hid,
    and only those: a post hidden before it stays hidden."""
    spammer = UserFactory()
    earlier = ReplyFactory(topic=topic, author=spammer, body="Hidden before")
    services.hide_post(post=earlier, actor=admin, reason="Off topic")
    spam = [ReplyFactory(topic=topic, author=spammer, body=f"Spam {n}") for n in (1, 2)]
    client.force_login(admin)
    client.post(
        "/moderation/users/bulk/",
        {"user": [spammer.pk], "reason": "Spam run", "confirm": "1"},
    )
    assert all(fresh(p).is_hidden for p in spam)
    url = f"/moderation/users/{spammer.pk}/"
    page = html(client.get(url))
    assert "Also unhide the 2 posts hidden with this suspension" in page

    response = client.post(url, {"unsuspend": "1", "unhide": "1"}, follow=True)

    assert "Suspension lifted." in html(response)
    assert not fresh(spammer).is_suspended
    assert not any(fresh(p).is_hidden for p in spam)
    assert fresh(earlier).is_hidden


def test_lifting_a_suspension_without_unhiding_keeps_the_posts_hidden(
    client, admin, topic
):
    """Left unticked, lifting the suspension leaves the posts hidden; a
    suspension with no posts hidden offers no such choice."""
    spammer, quiet = UserFactory(), UserFactory()
    spam = ReplyFactory(topic=topic, author=spammer, body="Spam")
    services.suspend_and_hide(users=[spammer], actor=admin, reason="Spam")
    services.suspend_user(user=quiet, actor=admin, reason="Cooling off")
    client.force_login(admin)
    assert "Also unhide" not in html(client.get(f"/moderation/users/{quiet.pk}/"))

    client.post(f"/moderation/users/{spammer.pk}/", {"unsuspend": "1"})

    assert not fresh(spammer).is_suspended
    assert fresh(spam).is_hidden


def test_bulk_suspend_needs_a_reason(client, admin, user):
    """Without a reason nobody is suspended."""
    client.force_login(admin)

    response = client.post(
        "/moderation/users/bulk/", {"user": [user.pk], "reason": " "}, follow=True
    )

    assert "Choose at least one user and give a reason." in html(response)
    assert not fresh(user).is_suspended
    assert AuditEntry.objects.count() == 0


# Members


def test_members_of_private_category_are_added_and_removed(
    client, category, facilitator, user
):
    """A facilitator admits a user by username and removes them again."""
    configure(category, visibility=Category.Visibility.PRIVATE)
    url = f"/moderation/c/{category.slug}/members/"
    client.force_login(user)
    assert client.get(category.get_absolute_url()).status_code == 404

    client.force_login(facilitator)
    response = client.post(url, {"username": user.username}, follow=True)
    assert "Rosa Ilunga added." in html(response)
    assert f"(@{user.username})" in html(response)
    assert Member.objects.filter(user=user, category=category).exists()
    client.force_login(user)
    assert client.get(category.get_absolute_url()).status_code == 200

    client.force_login(facilitator)
    response = client.post(url, {"remove": user.pk}, follow=True)
    assert "Rosa Ilunga removed." in html(response)
    assert "No members yet." in html(response)
    client.force_login(user)
    assert client.get(category.get_absolute_url()).status_code == 404
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "add_member",
        "remove_member",
    ]


def test_adding_unknown_username_is_a_form_error(client, category, facilitator):
    """An unknown username is reported on the form; nobody is added."""
    configure(category, visibility=Category.Visibility.PRIVATE)
    client.force_login(facilitator)

    response = client.post(
        f"/moderation/c/{category.slug}/members/", {"username": "nobody-here"}
    )

    assert response.status_code == 200
    assert "There is no user “nobody-here”." in html(response)
    assert Member.objects.count() == 0
    assert AuditEntry.objects.count() == 0


# Audit log


def test_audit_log_scope_and_filters(client, facilitator, admin, topic, reply):
    """Facilitators see their categories' entries, admins all; filters narrow."""
    elsewhere = TopicFactory(title="Far away topic")
    services.lock_topic(topic=topic, actor=facilitator, note="Done")
    services.hide_post(post=reply, actor=facilitator, reason="Phone number")
    services.lock_topic(topic=elsewhere, actor=admin)
    services.suspend_user(user=UserFactory(), actor=admin, reason="Spammer")

    client.force_login(facilitator)
    page = html(client.get("/moderation/log/"))
    assert "Locked topic: <a" in page
    assert "&#x27;Trust in towns&#x27;" in page
    assert "Reason: Phone number" in page
    assert "Far away topic" not in page
    assert "Spammer" not in page

    client.force_login(admin)
    page = html(client.get("/moderation/log/"))
    assert "Far away topic" in page
    assert "Reason: Spammer" in page
    assert "Reason: Phone number" in page

    page = html(client.get("/moderation/log/", {"action": "hide"}))
    assert "Reason: Phone number" in page
    assert "Far away topic" not in page
    assert "Reason: Spammer" not in page

    page = html(client.get("/moderation/log/", {"category": elsewhere.category_id}))
    assert "Far away topic" in page
    assert "Phone number" not in page
    assert "Trust in towns" not in page

    page = html(client.get("/moderation/log/", {"actor": facilitator.username}))
    assert "Reason: Phone number" in page
    assert "Far away topic" not in page


def test_audit_log_filter_names_only_visible_categories(client, facilitator):
    """The category filter does not reveal a members-only category's name."""
    configure(CategoryFactory(name="Survivors circle"), visibility="private")
    client.force_login(facilitator)

    page = html(client.get("/moderation/log/"))

    assert "Dialogues" in page
    assert "Survivors circle" not in page


def test_audit_log_is_for_facilitators(client, user):
    """Participants have no log page."""
    client.force_login(user)

    assert client.get("/moderation/log/").status_code == 403


# Dashboard


def test_dashboard_counts_open_reports_and_held_posts(
    client, topic, facilitator, participant
):
    """Each category row counts its open reports and posts awaiting approval."""
    configure(topic.category, approval_threshold=1)
    held = [ReplyFactory(topic=topic, body=f"Held {n}") for n in range(2)]
    services.report_post(post=topic.first_post, reporter=participant, reason="spam")
    services.report_post(post=topic.first_post, reporter=held[0].author, reason="spam")
    welcome = ReplyFactory(topic=topic, author=facilitator, body="Welcome")
    closed = services.report_post(post=welcome, reporter=participant, reason="other")
    services.resolve_report(report=closed, actor=facilitator, hide=False)
    client.force_login(facilitator)

    page = html(client.get("/moderation/"))

    row = re.search(r'class="row-title".*?</tr>', page, re.S).group(0)
    assert "Dialogues" in row
    assert re.findall(
        r'data-label="(?:Open reports|Awaiting approval)"><a[^>]*>(\d+)<', row
    ) == [
        "2",
        "2",
    ]


# Move and rename mistakes


NOT_MOVED = "Choose one of the categories you facilitate; the topic was not moved."


def test_move_to_missing_category_changes_nothing(client, topic, admin):
    """A category id that does not exist leaves the topic where it is."""
    client.force_login(admin)

    for bad in ("999999", "99999999999999999999", "-1", "not-a-number", ""):
        response = client.post(
            f"/moderation/t/{topic.pk}/move/", {"category": bad}, follow=True
        )
        assert NOT_MOVED in html(response)

    assert fresh(topic).category_id == topic.category_id
    assert AuditEntry.objects.count() == 0


def test_move_to_a_category_the_facilitator_does_not_facilitate_is_refused(
    client, topic, facilitator
):
    """Facilitators move topics only between their own categories."""
    target = CategoryFactory()
    client.force_login(facilitator)

    response = client.post(
        f"/moderation/t/{topic.pk}/move/", {"category": target.pk}, follow=True
    )

    assert NOT_MOVED in html(response)
    assert fresh(topic).category_id == topic.category_id

    services.appoint_facilitator(user=facilitator, category=target)
    response = client.post(
        f"/moderation/t/{topic.pk}/move/", {"category": target.pk}, follow=True
    )
    assert f"Topic moved to {target.name}." in html(response)
    assert fresh(topic).category_id == target.pk


def test_moving_into_a_members_only_category_asks_first(
    client, topic, facilitator, user, other_user
):
    """Moving a topic where some of its writers are not members asks first, on
    a page naming them; only "Move anyway" moves it. Writers who are members
    are not listed, and a move nobody loses by goes at once."""
    forum_services.post_reply(topic=topic, author=user, body="Member's view.")
    target = configure(CategoryFactory(), visibility=Category.Visibility.PRIVATE)
    services.appoint_facilitator(user=facilitator, category=target)
    services.add_member(user=user, category=target, actor=facilitator)
    client.force_login(facilitator)
    url = f"/moderation/t/{topic.pk}/move/"

    page = html(client.post(url, {"category": target.pk}))

    assert "would no longer see it" in page
    listed = re.findall(r"<li>(.*?) <span", page.split('class="losing-access"')[1])
    assert listed == [other_user.name]
    assert 'name="confirm"' in page
    assert fresh(topic).category_id == topic.category_id
    assert AuditEntry.objects.filter(action=AuditEntry.Action.MOVE).count() == 0

    response = client.post(url, {"category": target.pk, "confirm": "1"}, follow=True)
    assert f"Topic moved to {target.name}." in html(response)
    assert fresh(topic).category_id == target.pk

    services.add_member(user=other_user, category=target, actor=facilitator)
    back = client.post(url, {"category": topic.category_id}, follow=True)
    assert "Topic moved to" in html(back)


def test_a_refused_move_does_not_tell_which_categories_exist(
    client, topic, facilitator
):
    """A members-only category the mover cannot see, a visible one they do not
    facilitate and an id that exists nowhere get the very same answer."""
    unseen = configure(CategoryFactory(), visibility=Category.Visibility.PRIVATE)
    visible = CategoryFactory()
    missing = max(unseen.pk, visible.pk) + 1000
    client.force_login(facilitator)

    answers = []
    for target in (unseen.pk, visible.pk, missing):
        response = client.post(f"/moderation/t/{topic.pk}/move/", {"category": target})
        page = client.get(response.url)
        messages = re.findall(r'<p class="message[^"]*">(.*?)</p>', html(page))
        answers.append((response.status_code, response.url, messages))

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:2] == (302, topic.get_absolute_url())
    assert answers[0][2] == [NOT_MOVED]
    assert fresh(topic).category_id == topic.category_id


def test_rename_with_short_title_changes_nothing(client, topic, facilitator):
    """A two-character title is refused with a message."""
    client.force_login(facilitator)

    response = client.post(
        f"/moderation/t/{topic.pk}/rename/", {"title": " ab "}, follow=True
    )

    assert "A title needs 3 to 200 characters; nothing changed." in html(response)
    assert fresh(topic).title == "Trust in towns"
    assert AuditEntry.objects.count() == 0

    response = client.post(
        f"/moderation/t/{topic.pk}/rename/", {"title": "Trust and towns"}, follow=True
    )
    assert "Topic renamed." in html(response)
    assert fresh(topic).title == "Trust and towns"


# Query counts


def facilitated_topic(threshold: int = 0) -> tuple[User, Topic]:
    category = CategoryFactory()
    if threshold:
        category = configure(category, approval_threshold=threshold)
    facilitator = make_facilitator(category)
    return facilitator, TopicFactory(category=category, author=facilitator)


def dashboard_with(items: int) -> User:
    facilitator = UserFactory(second_factor=True)
    for _ in range(items):
        category = configure(CategoryFactory(), approval_threshold=5)
        services.appoint_facilitator(user=facilitator, category=category)
        topic = TopicFactory(category=category, author=facilitator)
        held = ReplyFactory(topic=topic)
        services.report_post(
            post=topic.first_post, reporter=held.author, reason="other"
        )
    return facilitator


def reports_with(items: int) -> User:
    facilitator, topic = facilitated_topic()
    for n in range(items):
        post = ReplyFactory(topic=topic, body=f"Reported reply {n}")
        services.report_post(post=post, reporter=UserFactory(), reason="spam")
    return facilitator


def approvals_with(items: int) -> User:
    facilitator, topic = facilitated_topic(threshold=100)
    for n in range(items):
        post = ReplyFactory(topic=topic, body=f"Held reply {n}")
        assert post.status == Post.Status.PENDING
    return facilitator


def log_with(items: int) -> User:
    facilitator, topic = facilitated_topic()
    for n in range(items):
        post = ReplyFactory(topic=topic, body=f"Logged reply {n}")
        services.hide_post(post=post, actor=facilitator, reason=f"Reason {n}")
    return facilitator


@pytest.mark.parametrize(
    ("url", "build", "marker"),
    [
        ("/moderation/", dashboard_with, 'class="row-title"'),
        ("/moderation/reports/", reports_with, '<article class="post"'),
        ("/moderation/approvals/", approvals_with, '<article class="post"'),
        ("/moderation/log/", log_with, "Reason: Reason"),
    ],
)
def test_moderation_pages_run_constant_queries(client, url, build, marker):
    """Each page runs the same number of queries with 2 and with 20 items."""
    counts = []
    for items in (2, 20):
        client.force_login(build(items))
        counts.append(count_queries(client, url))
        assert html(client.get(url)).count(marker) == items
    assert counts[0] == counts[1]


def test_hide_reason_ending_in_a_stop_reads_as_one_sentence(client):
    """A reason that ends with a full stop is not followed by a second one."""
    topic = TopicFactory()
    facilitator = make_facilitator(topic.category)
    reply = ReplyFactory(topic=topic)
    services.hide_post(post=reply, actor=facilitator, reason="Off topic.")
    client.force_login(reply.author)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Off topic. Only the author" in page
    assert "Off topic.." not in page
