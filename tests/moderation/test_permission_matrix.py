"""Who may do what: every role against every action, in every state that matters.

Each row of EXPECTED names an action and a state and gives, for each role in
ROLES order, the answer the site must give:

    OK     the action succeeds (200 for pages, 302 for actions) and its effect is
           in the database (or on the page, for reads)
    LOGIN  a visitor is sent to the sign-in page
    TOPIC  sent to the topic page with the reason; nothing changes
    403    refused; nothing changes
    404    as if the thing did not exist; nothing changes

States: the topic "open" or "locked"; the target post "visible", "hidden" or
"pending" (awaiting approval) in an open topic; "locked-visible" (a visible post
in a locked topic); "expired" (a visible post past the edit window); "due" (a
dialogue past its closing time whose lock is not written yet: it reads as
closed); "scheduled" (a dialogue not open yet); "any" for pages that belong to
no topic.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from facilitation import services as facilitation
from facilitation.models import Annotation, QueueDismissal
from forum.models import Category, Post, PostRevision, Topic
from moderation import services as moderation
from moderation.models import AuditEntry, Report
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure

OK = "ok"
LOGIN = "login"
TOPIC = "topic"

ROLES = (
    "visitor",
    "participant",
    "suspended",
    "author",
    "other_facilitator",
    "facilitator",
    "admin",
)

# Roles that may read a hidden or pending post's text: its author and the
# category's moderators.
READERS_OF_EVERYTHING = {"author", "facilitator", "admin"}

VISIBLE_TEXT = "Visible words from the author."
HIDDEN_TEXT = "Hidden words from the author."
PENDING_TEXT = "Pending words from the author."
REPLY_TEXT = "A fresh reply written for the matrix."
EDITED_TEXT = "Edited words, changed by the matrix."
SUMMARY = "The matrix agreed on one thing."
NOTE = "A note written for the matrix."
NEW_TITLE = "A title chosen by the matrix"
PLACEHOLDER = "This post was hidden by a facilitator."

MODERATORS_ONLY = (LOGIN, 403, 403, 403, 403, OK, OK)
MODERATORS_ONLY_UNSEEN = (LOGIN, 404, 404, 403, 404, OK, OK)

# fmt: off
EXPECTED = {
    # Columns: visitor, participant, suspended, author, other_facilitator,
    # facilitator, admin (the order of ROLES).
    ("view topic", "open"):           (OK, OK, OK, OK, OK, OK, OK),
    ("view topic", "locked"):         (OK, OK, OK, OK, OK, OK, OK),
    ("view topic", "due"):            (OK, OK, OK, OK, OK, OK, OK),
    ("view topic", "hidden"):         (OK, OK, OK, OK, OK, OK, OK),
    ("view topic", "pending"):        (OK, OK, OK, OK, OK, OK, OK),
    ("reply", "open"):                (LOGIN, OK, 403, OK, OK, OK, OK),
    ("reply", "locked"):              (LOGIN, 403, 403, 403, 403, 403, 403),
    ("reply", "due"):                 (LOGIN, 403, 403, 403, 403, 403, 403),
    ("reply", "scheduled"):           (LOGIN, 403, 403, 403, 403, OK, OK),
    ("quote", "visible"):             (LOGIN, OK, 403, OK, OK, OK, OK),
    ("quote", "locked-visible"):      (LOGIN, TOPIC, TOPIC, TOPIC, TOPIC, TOPIC, TOPIC),
    ("quote", "hidden"):              (LOGIN, 404, 403, OK, 404, OK, OK),
    ("quote", "pending"):             (LOGIN, 404, 403, 404, 404, 404, 404),
    ("edit", "visible"):              (LOGIN, 403, 403, OK, 403, OK, OK),
    ("edit", "locked-visible"):       (LOGIN, 403, 403, 403, 403, OK, OK),
    ("edit", "expired"):              (LOGIN, 403, 403, 403, 403, OK, OK),
    ("edit", "due"):                  (LOGIN, 403, 403, 403, 403, OK, OK),
    ("edit", "hidden"):               (LOGIN, 403, 403, OK, 403, OK, OK),
    ("edit", "pending"):              (LOGIN, 404, 404, OK, 404, OK, OK),
    ("history", "visible"):           (404, 404, 404, OK, 404, OK, OK),
    ("history", "hidden"):            (404, 404, 404, OK, 404, OK, OK),
    ("history", "pending"):           (404, 404, 404, OK, 404, OK, OK),
    ("report", "visible"):            (LOGIN, OK, 403, 403, OK, OK, OK),
    ("report", "hidden"):             (LOGIN, 403, 403, 403, 403, 403, 403),
    ("report", "pending"):            (LOGIN, 404, 404, 403, 404, 403, 403),
    ("hide", "visible"):              MODERATORS_ONLY,
    ("hide", "hidden"):               MODERATORS_ONLY,
    ("hide", "pending"):              MODERATORS_ONLY_UNSEEN,
    ("unhide", "visible"):            MODERATORS_ONLY,
    ("unhide", "hidden"):             MODERATORS_ONLY,
    ("unhide", "pending"):            MODERATORS_ONLY_UNSEEN,
    ("approve", "visible"):           MODERATORS_ONLY,
    ("approve", "hidden"):            MODERATORS_ONLY,
    ("approve", "pending"):           MODERATORS_ONLY_UNSEEN,
    ("return", "visible"):            MODERATORS_ONLY,
    ("return", "hidden"):             MODERATORS_ONLY,
    ("return", "pending"):            MODERATORS_ONLY_UNSEEN,
    ("lock", "open"):                 MODERATORS_ONLY,
    ("lock", "locked"):               MODERATORS_ONLY,
    ("unlock", "open"):               MODERATORS_ONLY,
    ("unlock", "locked"):             MODERATORS_ONLY,
    ("pin", "open"):                  MODERATORS_ONLY,
    ("pin", "locked"):                MODERATORS_ONLY,
    ("rename", "open"):               MODERATORS_ONLY,
    ("rename", "locked"):             MODERATORS_ONLY,
    ("move", "open"):                 MODERATORS_ONLY,
    ("move", "locked"):               MODERATORS_ONLY,
    ("dashboard", "any"):             (LOGIN, 403, 403, 403, OK, OK, OK),
    ("reports queue", "any"):         (LOGIN, 403, 403, 403, OK, OK, OK),
    ("approvals queue", "any"):       (LOGIN, 403, 403, 403, OK, OK, OK),
    ("log", "any"):                   (LOGIN, 403, 403, 403, OK, OK, OK),
    ("users", "any"):                 (LOGIN, 403, 403, 403, 403, 403, OK),
    ("close", "open"):                MODERATORS_ONLY,
    ("close", "due"):                 MODERATORS_ONLY,
    ("dialogue settings", "open"):    MODERATORS_ONLY,
    ("summary", "open"):              MODERATORS_ONLY,
    ("participation", "open"):        MODERATORS_ONLY,
    ("notes", "open"):                MODERATORS_ONLY,
    ("annotate", "visible"):          MODERATORS_ONLY,
    ("annotate", "pending"):          MODERATORS_ONLY_UNSEEN,
    ("dismiss", "visible"):           MODERATORS_ONLY,
    ("export", "locked"):             MODERATORS_ONLY,
    ("export", "due"):                MODERATORS_ONLY,
}
# fmt: on


# The world


@dataclass
class World:
    category: Category
    other_category: Category
    destination: Category
    users: dict[str, User | None]
    topic: Topic
    visible: Post
    hidden: Post
    pending: Post
    target: Post
    # The last audit entry before the action under test.
    audit_mark: int = 0

    def move_target(self, role: str) -> Category:
        """A category the actor may moderate (for those who moderate any)."""
        if role == "other_facilitator":
            return self.other_category
        return self.destination


def build_world(state: str) -> World:
    """A public category with a topic holding, by `author`, a visible reply, a
    hidden one and one awaiting approval; one user per role; the topic locked or
    the visible post past its edit window when the state says so."""
    admin = UserFactory(username="admin", is_staff=True)
    category = CategoryFactory(name="Dialogues", slug="dialogues")
    other_category = CategoryFactory(name="Elsewhere", slug="elsewhere")
    destination = CategoryFactory(name="Archive", slug="archive")
    facilitator = make_facilitator(category, username="facilitator")
    moderation.appoint_facilitator(user=facilitator, category=destination)
    other_facilitator = make_facilitator(other_category, username="otherfac")
    participant = UserFactory(username="participant")
    author = UserFactory(username="author")
    suspended = UserFactory(username="suspended")
    moderation.suspend_user(user=suspended, actor=admin, reason="Spam")
    starter = UserFactory(username="starter")

    topic = TopicFactory(
        category=category, author=starter, title="Trust in towns", body="Opening."
    )
    visible = ReplyFactory(topic=topic, author=author, body=VISIBLE_TEXT)
    hidden = ReplyFactory(topic=topic, author=author, body=HIDDEN_TEXT)
    moderation.hide_post(post=hidden, actor=facilitator, reason="Off topic")
    # From here on, posts by users with fewer than 5 approved posts wait.
    configure(category, approval_threshold=5)
    pending = ReplyFactory(topic=topic, author=author, body=PENDING_TEXT)
    assert pending.status == Post.Status.PENDING
    # An open report for the facilitators' queue.
    moderation.report_post(post=visible, reporter=starter, reason="other")

    if state in ("locked", "locked-visible"):
        moderation.lock_topic(topic=topic, actor=facilitator)
    if state == "due":
        facilitation.set_schedule(
            topic=topic, opens_at=None, closes_at=timezone.now() - timedelta(hours=1)
        )
    if state == "scheduled":
        facilitation.set_schedule(
            topic=topic, opens_at=timezone.now() + timedelta(days=1), closes_at=None
        )
    if state == "expired":
        hours = settings.FORUM_EDIT_WINDOW_HOURS + 1
        Post.objects.filter(pk=visible.pk).update(
            created_at=timezone.now() - timedelta(hours=hours)
        )
    target = {"hidden": hidden, "pending": pending}.get(state, visible)
    return World(
        category=category,
        other_category=other_category,
        destination=destination,
        users={
            "visitor": None,
            "participant": participant,
            "suspended": suspended,
            "author": author,
            "other_facilitator": other_facilitator,
            "facilitator": facilitator,
            "admin": admin,
        },
        topic=topic,
        visible=visible,
        hidden=hidden,
        pending=pending,
        target=target,
    )


@pytest.fixture(scope="module")
def state(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def world(state, django_db_setup, django_db_blocker):
    """The world for a state, built once for the tests in a row that share the
    state. It lives in a transaction around theirs, each test's own transaction
    is rolled back after it, and this one when the state changes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world(state)
        transaction.set_rollback(True)


def snapshot(world: World) -> dict:
    """Everything an action could change."""
    return {
        "topic": Topic.objects.filter(pk=world.topic.pk)
        .values("title", "is_locked", "is_pinned", "category_id", "post_count")
        .get(),
        "posts": list(
            Post.objects.filter(topic=world.topic)
            .order_by("pk")
            .values("pk", "body", "status", "is_hidden", "position")
        ),
        "reports": Report.objects.count(),
        "audit": AuditEntry.objects.count(),
        "revisions": PostRevision.objects.count(),
        "summary": Topic.objects.get(pk=world.topic.pk).summary,
        "notes": Annotation.objects.count(),
        "dismissals": QueueDismissal.objects.count(),
    }


def page(response) -> str:
    return response.content.decode()


def post_of(world: World) -> Post:
    return Post.objects.get(pk=world.target.pk)


def topic_of(world: World) -> Topic:
    return Topic.objects.get(pk=world.topic.pk)


def logged(world: World, action: str, actor: User) -> bool:
    """Whether the action under test wrote this audit entry."""
    return AuditEntry.objects.filter(
        pk__gt=world.audit_mark, action=action, actor=actor, post=world.target
    ).exists()


# Requests and their effects


def request_for(action: str, client, world: World, role: str):
    topic, target = world.topic.pk, world.target.pk
    requests = {
        "view topic": lambda: client.get(f"/t/{topic}/"),
        "reply": lambda: client.post(
            f"/t/{topic}/reply/", {"body": REPLY_TEXT, "post": "1"}
        ),
        "quote": lambda: client.get(f"/t/{topic}/reply/?quote={target}"),
        "edit": lambda: client.post(
            f"/p/{target}/edit/", {"body": EDITED_TEXT, "subject": ""}
        ),
        "history": lambda: client.get(f"/p/{target}/history/"),
        "report": lambda: client.post(
            f"/moderation/p/{target}/report/", {"reason": "spam"}
        ),
        "hide": lambda: client.post(
            f"/moderation/p/{target}/hide/", {"reason": "Unkind"}
        ),
        "unhide": lambda: client.post(f"/moderation/p/{target}/unhide/"),
        "approve": lambda: client.post(f"/moderation/p/{target}/approve/"),
        "return": lambda: client.post(
            f"/moderation/p/{target}/return/", {"reason": "Please cite sources"}
        ),
        "lock": lambda: client.post(f"/moderation/t/{topic}/lock/", {"note": "Done"}),
        "unlock": lambda: client.post(f"/moderation/t/{topic}/unlock/"),
        "pin": lambda: client.post(f"/moderation/t/{topic}/pin/", {"pinned": "1"}),
        "rename": lambda: client.post(
            f"/moderation/t/{topic}/rename/", {"title": NEW_TITLE}
        ),
        "move": lambda: client.post(
            f"/moderation/t/{topic}/move/",
            {"category": world.move_target(role).pk},
        ),
        "dashboard": lambda: client.get("/moderation/"),
        "reports queue": lambda: client.get("/moderation/reports/"),
        "approvals queue": lambda: client.get("/moderation/approvals/"),
        "log": lambda: client.get("/moderation/log/"),
        "users": lambda: client.get("/moderation/users/"),
        "close": lambda: client.post(
            f"/moderation/t/{topic}/close/", {"summary": SUMMARY, "note": "Done"}
        ),
        "dialogue settings": lambda: client.get(f"/moderation/t/{topic}/dialogue/"),
        "summary": lambda: client.get(f"/moderation/t/{topic}/summary/"),
        "participation": lambda: client.get(f"/moderation/t/{topic}/participation/"),
        "notes": lambda: client.get(f"/moderation/t/{topic}/notes/"),
        "annotate": lambda: client.post(
            f"/moderation/p/{target}/note/", {"note": NOTE, "tags": "trust"}
        ),
        "dismiss": lambda: client.post(f"/moderation/p/{target}/dismiss/"),
        "export": lambda: client.get(f"/t/{topic}/export/"),
    }
    return requests[action]()


def check_view_topic(world, role, state, actor, response):
    text = page(response)
    assert "Trust in towns" in text
    assert VISIBLE_TEXT in text
    reader = role in READERS_OF_EVERYTHING
    if state in ("locked", "due"):
        assert "Topic locked." in text
    # Reading never writes: a due dialogue is shown closed, its lock unwritten.
    assert topic_of(world).is_locked is (state == "locked")
    if state == "hidden":
        assert (HIDDEN_TEXT in text) is reader
        if reader:
            assert "Hidden by facilitator" in text
        else:
            assert PLACEHOLDER in text
    if state == "pending":
        assert (PENDING_TEXT in text) is reader


def check_reply(world, role, state, actor, response):
    post = Post.objects.get(topic=world.topic, author=actor, body=REPLY_TEXT)
    assert response["Location"] == f"/p/{post.pk}/"


def check_quote(world, role, state, actor, response):
    assert f"&gt; {world.target.body}" in page(response)
    assert f"/p/{world.target.pk}/" in page(response)


def check_edit(world, role, state, actor, response):
    post = post_of(world)
    assert post.body == EDITED_TEXT
    assert post.edited_at is not None
    assert PostRevision.objects.filter(post=post, editor=actor).exists()
    assert logged(world, "edit", actor) is (role != "author")


def check_history(world, role, state, actor, response):
    assert world.target.body in page(response)


def check_report(world, role, state, actor, response):
    assert Report.objects.filter(post=world.target, reporter=actor).exists()


def check_hide(world, role, state, actor, response):
    assert post_of(world).is_hidden
    # Hiding an already hidden post changes nothing and logs nothing.
    assert logged(world, "hide", actor) is (state != "hidden")


def check_unhide(world, role, state, actor, response):
    assert not post_of(world).is_hidden
    assert logged(world, "unhide", actor) is (state == "hidden")


def check_approve(world, role, state, actor, response):
    post = post_of(world)
    assert post.status == Post.Status.PUBLISHED
    assert post.position is not None
    assert logged(world, "approve", actor) is (state == "pending")


def check_return(world, role, state, actor, response):
    post = post_of(world)
    if state == "pending":
        assert post.status == Post.Status.RETURNED
        assert post.return_reason == "Please cite sources"
    else:
        assert post.status == Post.Status.PUBLISHED
    assert logged(world, "return", actor) is (state == "pending")


def check_lock(world, role, state, actor, response):
    topic = topic_of(world)
    assert topic.is_locked
    if state == "open":
        assert topic.locked_by_name == actor.name
        assert topic.closing_note == "Done"


def check_close(world, role, state, actor, response):
    topic = topic_of(world)
    assert topic.is_locked
    assert topic.locked_by_name == actor.name
    assert topic.closing_note == "Done"
    assert topic.summary == SUMMARY
    assert AuditEntry.objects.filter(topic=topic, action="lock", actor=actor).exists()


def check_facilitation_page(world, role, state, actor, response):
    assert "Trust in towns" in page(response)


def check_annotate(world, role, state, actor, response):
    note = Annotation.objects.get(post=world.target)
    assert (note.note, note.tags, note.author) == (NOTE, "trust", actor)


def check_dismiss(world, role, state, actor, response):
    assert QueueDismissal.objects.get(post=world.target).by_name == actor.name


def check_export(world, role, state, actor, response):
    assert "Trust in towns" in page(response)
    assert VISIBLE_TEXT in page(response)
    assert topic_of(world).is_locked is (state == "locked")


def check_unlock(world, role, state, actor, response):
    assert not topic_of(world).is_locked


def check_pin(world, role, state, actor, response):
    assert topic_of(world).is_pinned


def check_rename(world, role, state, actor, response):
    assert topic_of(world).title == NEW_TITLE


def check_move(world, role, state, actor, response):
    assert topic_of(world).category_id == world.move_target(role).pk


def check_dashboard(world, role, state, actor, response):
    text = page(response)
    assert ("Dialogues" in text) is (role != "other_facilitator")
    assert ("Elsewhere" in text) is (role != "facilitator")


def check_reports_queue(world, role, state, actor, response):
    assert (VISIBLE_TEXT in page(response)) is (role != "other_facilitator")


def check_approvals_queue(world, role, state, actor, response):
    assert (PENDING_TEXT in page(response)) is (role != "other_facilitator")


def check_log(world, role, state, actor, response):
    assert ("Trust in towns" in page(response)) is (role != "other_facilitator")


def check_users(world, role, state, actor, response):
    assert "participant" in page(response)
    assert "otherfac" in page(response)


EFFECTS = {
    "view topic": check_view_topic,
    "reply": check_reply,
    "quote": check_quote,
    "edit": check_edit,
    "history": check_history,
    "report": check_report,
    "hide": check_hide,
    "unhide": check_unhide,
    "approve": check_approve,
    "return": check_return,
    "lock": check_lock,
    "unlock": check_unlock,
    "pin": check_pin,
    "rename": check_rename,
    "move": check_move,
    "dashboard": check_dashboard,
    "reports queue": check_reports_queue,
    "approvals queue": check_approvals_queue,
    "log": check_log,
    "users": check_users,
    "close": check_close,
    "dialogue settings": check_facilitation_page,
    "summary": check_facilitation_page,
    "participation": check_facilitation_page,
    "notes": check_facilitation_page,
    "annotate": check_annotate,
    "dismiss": check_dismiss,
    "export": check_export,
}

PAGES = {
    "view topic",
    "quote",
    "history",
    "dashboard",
    "reports queue",
    "approvals queue",
    "log",
    "users",
    "dialogue settings",
    "summary",
    "participation",
    "notes",
    "export",
}


def assert_answer(response, expected, action):
    assert response.status_code != 500
    location = response.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302
        assert location.startswith("/accounts/login/?next=")
    elif expected == TOPIC:
        assert response.status_code == 302
        assert location.startswith("/t/")
    elif expected == OK:
        assert response.status_code == (200 if action in PAGES else 302)
        assert not location.startswith("/accounts/login/")
    else:
        assert response.status_code == expected


def cases(group: set[str]) -> list:
    """The group's rows, those sharing a state next to each other."""
    return sorted(_cases(group), key=lambda case: case.values[0])


def matrix(group: set[str]):
    """Parametrise a test with the group's cases: `state` picks the world, `case`
    is the row (action, state, role, expected). One parameter for the row, unique
    to it, so that pytest keeps the rows of one state together (it would group
    them by role or expected answer if those were parameters of their own)."""
    return pytest.mark.parametrize(
        ("state", "case"), cases(group), indirect=["state"], scope="module"
    )


def _cases(group: set[str]):
    for (action, state), answers in EXPECTED.items():
        if action not in group:
            continue
        for role, expected in zip(ROLES, answers, strict=True):
            yield pytest.param(
                state,
                (action, state, role, expected),
                id=f"{action}-{state}-{role}-{expected}".replace(" ", "_"),
            )


def run_case(client, world, case):
    action, state, role, expected = case
    actor = world.users[role]
    if actor is not None:
        client.force_login(actor)
    before = snapshot(world)
    world.audit_mark = (
        AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    )
    response = request_for(action, client, world, role)
    assert_answer(response, expected, action)
    if expected == OK:
        EFFECTS[action](world, role, state, actor, response)
    else:
        assert snapshot(world) == before


READING = {"view topic", "quote", "history"}
WRITING = {"reply", "edit", "report"}
POST_MODERATION = {"hide", "unhide", "approve", "return"}
TOPIC_MODERATION = {"lock", "unlock", "pin", "rename", "move"}
FACILITATOR_PAGES = {
    "dashboard",
    "reports queue",
    "approvals queue",
    "log",
    "users",
}
FACILITATION = {
    "close",
    "dialogue settings",
    "summary",
    "participation",
    "notes",
    "annotate",
    "dismiss",
    "export",
}


def test_the_table_covers_every_action():
    """Every action in the table is tested in one of the groups below."""
    groups = READING | WRITING | POST_MODERATION | TOPIC_MODERATION | FACILITATION
    assert {action for action, _ in EXPECTED} == groups | FACILITATOR_PAGES
    assert set(EFFECTS) == groups | FACILITATOR_PAGES


@matrix(READING)
def test_reading(client, world, state, case):
    """Topics, quotes and post histories answer each role as the table says."""
    run_case(client, world, case)


@matrix(WRITING)
def test_writing(client, world, state, case):
    """Replying, editing and reporting answer each role as the table says."""
    run_case(client, world, case)


@matrix(POST_MODERATION)
def test_post_moderation(client, world, state, case):
    """Hiding, unhiding, approving and returning posts are for this category's
    facilitators and admins only."""
    run_case(client, world, case)


@matrix(TOPIC_MODERATION)
def test_topic_moderation(client, world, state, case):
    """Locking, unlocking, pinning, renaming and moving topics are for this
    category's facilitators and admins only."""
    run_case(client, world, case)


@matrix(FACILITATOR_PAGES)
def test_facilitator_pages(client, world, state, case):
    """The facilitators' pages are for facilitators and admins, the users page
    for admins; each shows only the viewer's categories."""
    run_case(client, world, case)


@matrix(FACILITATION)
def test_facilitation(client, world, state, case):
    """Closing a dialogue, its settings, summary, participation, notes, queue and
    export are for this category's facilitators and admins only."""
    run_case(client, world, case)


@pytest.mark.parametrize("state", ["open"], indirect=True, scope="module")
def test_facilitator_cannot_move_a_topic_to_a_category_they_do_not_moderate(
    client, world
):
    """Facilitators may move topics only into categories they facilitate."""
    client.force_login(world.users["facilitator"])
    before = snapshot(world)
    response = client.post(
        f"/moderation/t/{world.topic.pk}/move/",
        {"category": world.other_category.pk},
        follow=True,
    )
    assert "the topic was not moved" in response.content.decode()
    assert snapshot(world) == before
