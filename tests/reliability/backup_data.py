"""A small but complete forum for the backup round trip, and a fingerprint of
every table. Run inside `manage.py shell -c` against a scratch database by
tests/reliability/test_backup.py, never against the test database."""

import hashlib
import json
from io import BytesIO

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from accounts.models import User
from accounts.services import create_user, delete_account
from attachments.models import Attachment
from attachments.services import delete_of_posts, store
from forum import services as forum
from forum.models import Category, Post, Topic
from moderation import services as moderation

PASSWORD = "correct-horse-battery"


def photo(name: str, color: tuple) -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (320, 240), color).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), "image/jpeg")


def post_photo(*, topic, author, color: tuple) -> None:
    image = store(owner=author, upload=photo("photo.jpg", color), description="A")
    forum.post_reply(topic=topic, author=author, body=f"![A](/a/{image.pk}/)")


def build() -> None:
    """Users, categories, topics with replies, an edit, a hidden post, reports,
    audit entries, a facilitator, a member, a read mark, a suspension and a
    reply showing an uploaded photo."""
    admin = create_user(
        username="admin", email="admin@example.org", password=PASSWORD, is_staff=True
    )
    facilitator = create_user(
        username="mira", email="mira@example.org", password=PASSWORD
    )
    rosa = create_user(
        username="rosa",
        email="rosa@example.org",
        password=PASSWORD,
        display_name="Rosa Ilunga",
        signature="*Peace*",
    )
    tomas = create_user(username="tomas", email="tomas@example.org", password=PASSWORD)
    dialogues = forum.create_category(name="Dialogues", slug="dialogues")
    private = forum.create_category(name="Circle", slug="circle", position=1)
    moderation.appoint_facilitator(user=facilitator, category=dialogues, actor=admin)
    moderation.add_member(user=rosa, category=private, actor=admin)

    topic = forum.create_topic(
        category=dialogues, author=facilitator, title="Trust in towns", body="Why?"
    )
    first = forum.post_reply(topic=topic, author=rosa, body="Because *neighbours*.")
    second = forum.post_reply(
        topic=topic, author=tomas, body="> neighbours\n\nYes.", parent=first
    )
    forum.post_reply(topic=topic, author=rosa, body="Thanks.", parent=second)
    forum.edit_post(post=first, editor=rosa, body="Because neighbours *know* us.")
    moderation.hide_post(post=second, actor=facilitator, reason="Personal details")
    report = moderation.report_post(
        post=second, reporter=rosa, reason="safety", text="A phone number"
    )
    moderation.resolve_report(report=report, actor=facilitator, hide=False)
    moderation.report_post(post=first, reporter=tomas, reason="off_topic")
    forum.mark_read(user=tomas, topic=topic, read_up_to=None, positions=[1, 2])
    post_photo(topic=topic, author=rosa, color=(200, 80, 40))

    circle = forum.create_topic(
        category=private, author=rosa, title="Just us", body="Welcome, circle."
    )
    moderation.lock_topic(topic=circle, actor=admin, note="Done here.")
    moderation.suspend_user(user=tomas, actor=admin, reason="Cooling off")


def change() -> None:
    """Writes made after the backup: a reply, another photo, a deleted account
    (its posts and their photo erased), an unhidden post."""
    topic = Topic.objects.get(title="Trust in towns")
    author = Topic.objects.get(title="Just us").author
    forum.post_reply(topic=topic, author=author, body="A later thought.")
    admin = type(author).objects.get(username="admin")
    post_photo(topic=topic, author=admin, color=(20, 90, 200))
    rosa = type(author).objects.get(username="rosa")
    delete_account(user=rosa, actor=rosa, remove_posts=True)
    moderation.unhide_post(
        post=Post.objects.get(is_hidden=True, body="> neighbours\n\nYes."), actor=admin
    )
    Category.objects.filter(slug="circle").update(description="Changed after.")


def snapshot() -> None:
    """Print each table's row count and a hash of its rows (in a stable order)."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table == "django_cache":  # what a restore empties, not data
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            tables[table] = [len(rows), digest]
    print("SNAPSHOT " + json.dumps(tables, sort_keys=True))


def photo_urls() -> None:
    """Print the addresses of the uploaded photos."""
    ids = Attachment.objects.order_by("pk").values_list("pk", flat=True)
    print("URLS " + json.dumps([f"/a/{pk}/" for pk in ids]))


def delete_photos() -> None:
    """Erase the posts' photos, as removing an account's posts does."""
    delete_of_posts(Attachment.objects.values_list("post_id", flat=True))


def served() -> None:
    """Print, for each attachment, what a signed-out reader fetching it gets:
    the status and a hash of the bytes."""
    found = {}
    for attachment in Attachment.objects.order_by("pk"):
        url = f"/a/{attachment.pk}/"
        response = Client().get(url)
        body = b"".join(response.streaming_content) if response.streaming else b""
        found[url] = [response.status_code, hashlib.sha256(body).hexdigest()]
    print("SERVED " + json.dumps(found, sort_keys=True))


def retitle(title: str) -> None:
    """Rename the first dialogue, as its facilitator would."""
    topic = Topic.objects.get(title__in=["Trust in towns", *RETITLES])
    forum.rename_topic(topic=topic, title=title)


RETITLES = ["Trust in towns, later", "Trust in towns, after the restore"]


def sign_in_session(username: str) -> None:
    """Print the key of a new session signed in as username (the cookie a
    browser would hold after signing in)."""
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print("SESSION " + session.session_key)
