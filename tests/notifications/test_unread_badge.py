"""The unread badge, and the count on the notifications page, count only the
notifications their reader can still see."""

from accounts.models import User
from forum import services
from moderation import services as moderation_services
from notifications import services as notifications
from notifications.models import Watch
from tests.factories import UserFactory
from tests.helpers import fresh, html, signed_in, text
from tests.notifications.conftest import private_category

BADGE = 'class="badge badge-unread"'


def reply(topic, author):
    return services.post_reply(topic=topic, author=author, body="A thought.")


def shown_unread(user) -> tuple[bool, str]:
    """Whether the header shows a badge, and the notifications page's count."""
    client = signed_in(user)
    page = client.get("/notifications/")
    return BADGE in html(page), text(page)


def test_a_move_out_of_sight_takes_the_notification_off_the_badge(
    dialogue, starter, user
):
    """After its topic moved into a members-only category the reader is not a
    member of, a notification no longer counts, on the badge or the page."""
    reply(dialogue, user)
    assert fresh(starter).unread_notifications == 1
    admin = UserFactory(is_staff=True)
    hidden = private_category()

    moderation_services.move_topic(topic=dialogue, actor=admin, category=hidden)

    assert fresh(starter).unread_notifications == 0
    badge, page = shown_unread(starter)
    assert not badge
    assert "Nothing unread." in page

    moderation_services.add_member(user=starter, category=hidden, actor=admin)
    assert fresh(starter).unread_notifications == 1
    moderation_services.remove_member(user=starter, category=hidden, actor=admin)
    assert fresh(starter).unread_notifications == 0


def test_losing_a_role_takes_its_notifications_off_the_badge(dialogue, user):
    """A facilitator removed from a members-only category stops counting what
    happened there."""
    admin = UserFactory(is_staff=True)
    hidden = private_category()
    facilitator = UserFactory(username="fac")
    moderation_services.appoint_facilitator(
        user=facilitator, category=hidden, actor=admin
    )
    moderation_services.move_topic(topic=dialogue, actor=admin, category=hidden)
    notifications.set_topic_watch(
        user=facilitator, topic=dialogue, level=Watch.Level.WATCHING
    )
    reply(dialogue, user)
    assert fresh(facilitator).unread_notifications == 1

    moderation_services.remove_facilitator(
        user=facilitator, category=hidden, actor=admin
    )

    assert fresh(facilitator).unread_notifications == 0


def test_the_recount_counts_only_what_each_reader_sees(dialogue, starter, user):
    """The counters rebuilt from the rows leave out notifications in categories
    their readers cannot see, and keep those they can."""
    reply(dialogue, user)
    admin = UserFactory(is_staff=True)
    hidden = private_category()
    moderation_services.move_topic(topic=dialogue, actor=admin, category=hidden)
    User.objects.filter(pk=starter.pk).update(unread_notifications=99)

    services.recount_all()

    assert fresh(starter).unread_notifications == 0
    moderation_services.add_member(user=starter, category=hidden, actor=admin)
    User.objects.filter(pk=starter.pk).update(unread_notifications=99)
    services.recount_all()
    assert fresh(starter).unread_notifications == 1


def test_an_erased_post_leaves_the_badge(dialogue, starter, user):
    """When an account is deleted with its posts, the notifications about those
    posts (their text gone) no longer count for anyone."""
    reply(dialogue, user)
    assert fresh(starter).unread_notifications == 1
    admin = UserFactory(is_staff=True)

    moderation_services.delete_user_account(user=user, actor=admin, remove_posts=True)

    assert fresh(starter).unread_notifications == 0
    badge, page = shown_unread(starter)
    assert not badge
    assert "Nothing unread." in page


def test_a_kept_post_stays_on_the_badge(dialogue, starter, user):
    """Deleting an account but keeping its posts keeps their notifications."""
    reply(dialogue, user)
    admin = UserFactory(is_staff=True)

    moderation_services.delete_user_account(user=user, actor=admin, remove_posts=False)

    assert fresh(starter).unread_notifications == 1


def test_a_category_made_members_only_leaves_the_badge(
    dialogue, starter, user, staff_client
):
    """An admin making a category members-only in the Django admin takes its
    notifications off the badges of readers who are not members."""
    reply(dialogue, user)
    category = dialogue.category
    form = {
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "visibility": "private",
        "approval_threshold": category.approval_threshold,
        "position": category.position,
        "language": category.language,
    }
    response = staff_client.post(f"/admin/forum/category/{category.pk}/change/", form)
    assert response.status_code == 302, html(response)[:3000]

    assert fresh(starter).unread_notifications == 0
