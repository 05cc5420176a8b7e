"""A user's own data: downloading it (JSON in a zip), and deleting the account
with or without its posts; admins doing the same for a user."""

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import connection

from accounts.models import User
from accounts.services import FORMER_PARTICIPANT, delete_account, export_user_data
from forum import services as forum_services
from forum.models import Category, Post, PostRevision, Topic, TopicRead
from moderation import services as moderation_services
from moderation.models import AuditEntry, Facilitator, Report
from notifications import services as notifications
from tests.factories import ReplyFactory, TopicFactory, UserFactory, make_facilitator
from tests.helpers import data_archive, downloaded_data, html

PASSWORD = "correct-horse-battery"
DATA = "/accounts/data/"
DELETE = "/accounts/delete/"


@pytest.fixture
def forum(category, topic, user, other_user):
    """The user starts a topic, replies twice in another (editing one reply) and
    reports a post; other people write around them."""
    own_topic = TopicFactory(
        category=category,
        author=user,
        title="Rosa's question",
        body="Rosa opens with a secret recipe.",
    )
    answer = ReplyFactory(topic=own_topic, author=other_user, body="Tomás answers.")
    first = ReplyFactory(
        topic=topic, author=user, subject="Mine", body="Rosa's first draft."
    )
    forum_services.edit_post(post=first, editor=user, body="Rosa's final words.")
    second = ReplyFactory(topic=topic, author=user, body="Rosa again, privately.")
    after = ReplyFactory(
        topic=topic, author=other_user, parent=second, body="Tomás replies to Rosa."
    )
    moderation_services.report_post(
        post=after, reporter=user, reason="off_topic", text="Rosa's report note."
    )
    return {
        "own_topic": own_topic,
        "answer": answer,
        "first": first,
        "second": second,
        "after": after,
    }


def snapshot():
    """Counters and thread places: what account deletion must leave unchanged."""
    return {
        "topics": list(
            Topic.objects.order_by("pk").values_list(
                "pk", "post_count", "first_post_id", "last_post_id"
            )
        ),
        "categories": list(
            Category.objects.order_by("pk").values_list(
                "pk", "topic_count", "post_count", "last_post_id"
            )
        ),
        "posts": list(
            Post.objects.order_by("pk").values_list(
                "pk", "topic_id", "position", "path", "depth", "parent_id"
            )
        ),
    }


# Download


def test_download_holds_profile_posts_revisions_and_reports(member_client, forum, user):
    """The download is a zip whose data.json has the user's profile, topics,
    posts, the earlier versions of their posts and their reports."""
    response = member_client.get(DATA)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="forum-data-{user.username}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    data = downloaded_data(response)
    assert data["profile"]["display_name"] == "Rosa Ilunga"
    assert data["email_addresses"] == [
        {"email": data["profile"]["email"], "primary": True, "verified": True}
    ]
    assert [t["title"] for t in data["topics"]] == ["Rosa's question"]
    bodies = [p["body"] for p in data["posts"]]
    assert bodies == [
        "Rosa opens with a secret recipe.",
        "Rosa's final words.",
        "Rosa again, privately.",
    ]
    first = data["posts"][1]
    assert first["topic"] == "Trust in towns"
    assert first["url"] == f"/p/{forum['first'].pk}/"
    assert first["subject"] == "Mine"
    assert first["edited_at"] is not None
    assert [(r["post_id"], r["body"]) for r in data["revisions"]] == [
        (forum["first"].pk, "Rosa's first draft.")
    ]
    assert [r["text"] for r in data["reports"]] == ["Rosa's report note."]


def test_download_holds_nobody_else_s_data(member_client, forum, other_user):
    """Other people's posts, names and addresses are not in the download."""
    archive = data_archive(member_client.get(DATA))
    text = "".join(archive.read(name).decode() for name in archive.namelist())

    assert "Tomás" not in text
    assert other_user.email not in text
    assert other_user.username not in text


def test_download_changes_nothing_and_takes_only_get(member_client, forum, user):
    """Downloading writes nothing; other methods are refused."""
    before = export_user_data(user=user)

    member_client.get(DATA)

    assert export_user_data(user=user) == before
    assert member_client.post(DATA).status_code == 405


def test_download_needs_signing_in(client):
    """Visitors are sent to sign in."""
    response = client.get(DATA)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_settings_page_links_download_and_delete(member_client):
    """Settings offer the download and the deletion."""
    page = html(member_client.get("/accounts/profile/"))

    assert f'href="{DATA}"' in page
    assert f'href="{DELETE}"' in page


# Deleting one's own account


def test_delete_page_explains_both_choices(member_client):
    """The page explains what is kept and asks for a choice and the password."""
    page = html(member_client.get(DELETE))

    assert "Former participant" in page
    assert 'value="keep"' in page
    assert 'value="remove"' in page
    assert 'type="password"' in page


def test_delete_keeping_posts(client, member_client, forum, user, topic):
    """The account goes; posts and topics stay in place, signed "Former
    participant", with every counter unchanged; signing in no longer works."""
    TopicRead.objects.get_or_create(user=user, topic=topic)
    before = snapshot()
    user_id = user.pk

    response = member_client.post(DELETE, {"posts": "keep", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in member_client.session
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()
    assert not TopicRead.objects.filter(user_id=user_id).exists()
    assert not Report.objects.filter(reporter_id=user_id).exists()
    assert snapshot() == before
    for key in ("first", "second"):
        post = Post.objects.get(pk=forum[key].pk)
        assert post.author_id is None
        assert post.author_name == FORMER_PARTICIPANT
        assert not post.is_hidden
    assert Post.objects.get(pk=forum["first"].pk).body == "Rosa's final words."
    assert PostRevision.objects.filter(post=forum["first"]).count() == 1
    assert Topic.objects.get(pk=forum["own_topic"].pk).author_name == (
        FORMER_PARTICIPANT
    )
    page = html(client.get(topic.get_absolute_url()))
    assert "Rosa again, privately." in page
    assert FORMER_PARTICIPANT in page
    assert "Rosa Ilunga" not in page
    assert not client.login(username=user.username, password=PASSWORD)


def test_delete_removing_posts_leaves_placeholders(
    client, member_client, forum, user, topic, category
):
    """The posts' text and revisions are erased; each post keeps its place and a
    placeholder, so replies and counters stay as they were."""
    before = snapshot()
    facilitator = make_facilitator(category)

    response = member_client.post(DELETE, {"posts": "remove", "password": PASSWORD})

    assert response.status_code == 302
    assert snapshot() == before
    removed = Post.objects.filter(pk__in=[forum["first"].pk, forum["second"].pk])
    for post in removed:
        assert (post.subject, post.body, post.body_html) == ("", "", "")
        assert post.is_hidden
        assert post.author_name == FORMER_PARTICIPANT
    assert not PostRevision.objects.filter(post__in=removed).exists()
    assert Post.objects.get(pk=forum["after"].pk).parent_id == forum["second"].pk
    for viewer in (None, facilitator):
        if viewer:
            client.force_login(viewer)
        page = html(client.get(topic.get_absolute_url()))
        assert "Rosa" not in page.replace("Tomás replies to Rosa.", "")
        assert "Tomás replies to Rosa." in page
        assert page.count(f'id="p{forum["second"].pk}"') == 1


def test_removed_posts_are_not_found_by_search(member_client, forum, client):
    """Erased text cannot be found any more."""
    member_client.post(DELETE, {"posts": "remove", "password": PASSWORD})

    page = html(client.get("/search/", {"q": "privately"}))

    assert f"/p/{forum['second'].pk}/" not in page
    if connection.vendor == "postgresql":
        vector = Post.objects.get(pk=forum["second"].pk).search_vector
        assert "privat" not in str(vector)


def test_wrong_password_keeps_the_account(member_client, forum, user):
    """A wrong password is a form error and nothing is deleted."""
    response = member_client.post(DELETE, {"posts": "remove", "password": "nope"})

    assert response.status_code == 200
    assert "That is not your current password." in html(response)
    assert User.objects.filter(pk=user.pk).exists()
    assert Post.objects.get(pk=forum["second"].pk).body == "Rosa again, privately."
    assert member_client.session["_auth_user_id"] == str(user.pk)


def test_delete_needs_signing_in(client):
    """Visitors are sent to sign in."""
    response = client.post(DELETE, {"posts": "keep", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_facilitator_deleting_own_account_loses_the_role(category):
    """Roles go with the account; the audit log keeps the names it wrote."""
    facilitator = make_facilitator(category, display_name="Mira Sol")
    admin = UserFactory(is_staff=True)
    moderation_services.appoint_facilitator(
        user=UserFactory(), category=category, actor=facilitator
    )

    delete_account(user=facilitator, actor=facilitator, remove_posts=False)

    assert not Facilitator.objects.filter(user_id=facilitator.pk).exists()
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.actor_name) == (None, "Mira Sol")
    assert User.objects.filter(pk=admin.pk).exists()


# Admins


def test_admin_downloads_a_users_data(client, admin, forum, user):
    """Admins download a user's data from the user's page."""
    client.force_login(admin)
    page = html(client.get(f"/moderation/users/{user.pk}/"))
    assert f'href="/moderation/users/{user.pk}/data/"' in page
    assert f'href="/moderation/users/{user.pk}/delete/"' in page

    response = client.get(f"/moderation/users/{user.pk}/data/")

    assert response.status_code == 200
    assert downloaded_data(response)["profile"]["username"] == user.username


def test_admin_deletes_a_user_and_the_log_says_so(client, admin, forum, user):
    """An admin deletes an account, removing its posts; the log records who,
    whom and what became of the posts."""
    client.force_login(admin)
    before = snapshot()
    assert client.get(f"/moderation/users/{user.pk}/delete/").status_code == 200

    response = client.post(f"/moderation/users/{user.pk}/delete/", {"posts": "remove"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert Post.objects.get(pk=forum["second"].pk).body == ""
    assert snapshot() == before
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE_ACCOUNT)
    assert entry.actor_id == admin.pk
    assert entry.target_user_id is None
    assert entry.target_label == "Rosa Ilunga"
    assert entry.after == {"posts": "removed"}
    assert "Deleted account" in html(client.get("/moderation/log/"))


def test_only_admins_delete_or_download_others(client, category, user, other_user):
    """Facilitators and participants get a 403; nothing is deleted."""
    for viewer in (make_facilitator(category), other_user):
        client.force_login(viewer)
        for url in (
            f"/moderation/users/{user.pk}/delete/",
            f"/moderation/users/{user.pk}/data/",
        ):
            assert client.get(url).status_code == 403
        response = client.post(
            f"/moderation/users/{user.pk}/delete/", {"posts": "keep"}
        )
        assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()
    with pytest.raises(PermissionDenied):
        delete_account(user=user, actor=other_user, remove_posts=False)


def test_admin_cannot_delete_themselves_there(client, admin):
    """Admins delete their own account from their settings, not the users page."""
    client.force_login(admin)

    response = client.post(f"/moderation/users/{admin.pk}/delete/", {"posts": "keep"})

    assert response.status_code == 403
    assert User.objects.filter(pk=admin.pk).exists()


def test_download_holds_notification_choices_and_watches(member_client, forum, user):
    """The download includes what the user watches and how they are notified."""
    notifications.set_topic_watch(user=user, topic=forum["first"].topic, level="digest")
    notifications.update_settings(user=user, auto_watch=False, email_reply="never")
    data = downloaded_data(member_client.get(DATA))
    assert ("Trust in towns", "digest") in {
        (w["topic"], w["level"]) for w in data["watches"]
    }
    assert data["notification_settings"]["auto_watch"] is False
    assert data["notification_settings"]["email_reply"] == "never"
