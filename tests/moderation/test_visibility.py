"""What each reader may see: members-only and signed-in categories, hidden posts,
posts awaiting approval and returned posts. For an outsider, everything of a
members-only category answers exactly as something that does not exist."""

from dataclasses import dataclass

import pytest

from accounts import services as account_services
from accounts.models import User
from forum.models import Category, Post, Topic
from moderation import services as moderation
from moderation.models import AuditEntry, Report
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, sign_in

MISSING_ID = 999999
PLACEHOLDER = "This post was hidden by a facilitator."


def page(response) -> str:
    return response.content.decode()


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/?next="
    )


# A members-only category


@dataclass
class Private:
    category: Category
    topic: Topic
    reply: Post
    users: dict[str, User | None]


SECRETS = ("Inner circle", "Secret plans", "Confidential subject", "Confidential")


def build_private() -> Private:
    """A public category and a members-only one, where `member` started a topic
    and replied; `member` also posted in the public category."""
    admin = UserFactory(username="admin", is_staff=True)
    square = CategoryFactory(name="Town square", slug="town-square")
    inner = CategoryFactory(name="Inner circle", slug="inner-circle")
    configure(inner, visibility=Category.Visibility.PRIVATE)
    member = UserFactory(username="member")
    reader = UserFactory(username="reader")
    for user in (member, reader):
        moderation.add_member(user=user, category=inner, actor=admin)
    users = {
        "visitor": None,
        "outsider": UserFactory(username="outsider"),
        "other_facilitator": make_facilitator(square, username="squarefac"),
        "member": member,
        "reader": reader,
        "facilitator": make_facilitator(inner, username="innerfac"),
        "admin": admin,
    }
    TopicFactory(
        category=square, author=member, title="Public musings", body="Out loud."
    )
    topic = TopicFactory(
        category=inner, author=member, title="Secret plans", body="Confidential."
    )
    reply = ReplyFactory(
        topic=topic,
        author=member,
        subject="Confidential subject",
        body="Confidential reply.",
    )
    return Private(category=inner, topic=topic, reply=reply, users=users)


# (method, url): every read path and every action on the members-only category.
PRIVATE_PATHS = [
    ("get", "/c/{slug}/"),
    ("get", "/c/{slug}/new/"),
    ("get", "/t/{topic}/"),
    ("get", "/t/{topic}/unread/"),
    ("get", "/t/{topic}/reply/"),
    ("get", "/t/{topic}/reply/?quote={post}"),
    ("post", "/t/{topic}/reply/"),
    ("get", "/p/{post}/"),
    ("get", "/p/{post}/edit/"),
    ("post", "/p/{post}/edit/"),
    ("get", "/p/{post}/history/"),
    ("get", "/moderation/p/{post}/report/"),
    ("post", "/moderation/p/{post}/report/"),
    ("post", "/moderation/p/{post}/hide/"),
    ("post", "/moderation/t/{topic}/lock/"),
    ("get", "/moderation/c/{slug}/members/"),
]

FORM_DATA = {"body": "Sneaking in.", "reason": "spam", "post": "1"}


def private_state(world: Private) -> dict:
    return {
        "posts": list(Post.objects.order_by("pk").values("pk", "body", "is_hidden")),
        "locked": Topic.objects.get(pk=world.topic.pk).is_locked,
        "reports": Report.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.parametrize("role", ["visitor", "outsider", "other_facilitator"])
@pytest.mark.parametrize(("method", "url"), PRIVATE_PATHS)
def test_private_category_answers_outsiders_as_if_it_did_not_exist(
    client, role, method, url
):
    """To outsiders every page and action of a members-only category answers as
    for something missing: a 404 (signed-in) or the sign-in page (visitors,
    where sign-in is needed), never its titles or text."""
    world = build_private()
    sign_in(client, world.users[role])
    before = private_state(world)
    send = getattr(client, method)
    data = FORM_DATA if method == "post" else None
    real = send(
        url.format(slug=world.category.slug, topic=world.topic.pk, post=world.reply.pk),
        data,
    )
    missing = send(
        url.format(slug="no-such-category", topic=MISSING_ID, post=MISSING_ID), data
    )
    assert real.status_code != 500
    assert real.status_code == missing.status_code
    if role == "visitor":
        assert real.status_code == 404 or is_login_redirect(real)
    else:
        assert real.status_code == 404
    for secret in SECRETS:
        assert secret not in page(real)
    assert private_state(world) == before


@pytest.mark.parametrize("role", ["visitor", "outsider", "other_facilitator"])
def test_index_leaves_out_private_categories_for_outsiders(client, role):
    """The index does not name a members-only category nor its topics to outsiders."""
    world = build_private()
    response = sign_in(client, world.users[role]).get("/")
    assert response.status_code == 200
    assert "Town square" in page(response)
    for secret in SECRETS:
        assert secret not in page(response)


@pytest.mark.parametrize("role", ["visitor", "outsider", "other_facilitator"])
def test_profile_leaves_out_private_posts_for_outsiders(client, role):
    """A member's public profile lists only what the viewer may see."""
    world = build_private()
    response = sign_in(client, world.users[role]).get("/u/member/")
    assert response.status_code == 200
    assert "Public musings" in page(response)
    for secret in SECRETS:
        assert secret not in page(response)


@pytest.mark.parametrize("role", ["member", "reader", "facilitator", "admin"])
def test_members_facilitators_and_admins_see_the_private_category(client, role):
    """Members, the category's facilitators and admins see all of it."""
    world = build_private()
    sign_in(client, world.users[role])
    topic, reply = world.topic.pk, world.reply.pk

    assert "Inner circle" in page(client.get("/"))
    category = client.get(f"/c/{world.category.slug}/")
    assert category.status_code == 200
    assert "Secret plans" in page(category)
    thread = client.get(f"/t/{topic}/")
    assert thread.status_code == 200
    assert "Confidential reply." in page(thread)
    permalink = client.get(f"/p/{reply}/")
    assert permalink.status_code == 302
    assert permalink["Location"] == f"/t/{topic}/#p{reply}"
    quote = client.get(f"/t/{topic}/reply/?quote={reply}")
    assert quote.status_code == 200
    assert "&gt; Confidential reply." in page(quote)
    profile = page(client.get("/u/member/"))
    assert "Secret plans" in profile
    assert "Confidential subject" in profile


@pytest.mark.parametrize(
    ("role", "status"),
    [("member", 200), ("facilitator", 200), ("admin", 200), ("reader", 404)],
)
def test_post_history_in_a_private_category(client, role, status):
    """The author, the category's facilitators and admins read a post's history;
    other members do not."""
    world = build_private()
    response = sign_in(client, world.users[role]).get(f"/p/{world.reply.pk}/history/")
    assert response.status_code == status
    assert ("Confidential reply." in page(response)) is (status == 200)


def test_other_category_facilitator_log_filter_names_no_private_category(client):
    """The moderation log's category filter names only categories the facilitator
    may see."""
    world = build_private()
    response = sign_in(client, world.users["other_facilitator"]).get("/moderation/log/")
    assert response.status_code == 200
    assert "Town square" in page(response)
    assert "Inner circle" not in page(response)


# A signed-in category


@pytest.fixture
def lounge():
    """A signed-in-only category with a topic and a reply."""
    category = CategoryFactory(name="Members lounge", slug="lounge")
    configure(category, visibility=Category.Visibility.SIGNED_IN)
    author = UserFactory(username="lounger")
    topic = TopicFactory(category=category, author=author, title="Lounge talk")
    reply = ReplyFactory(topic=topic, author=author, body="Lounge reply text.")
    return topic, reply


def test_signed_in_category_is_missing_for_visitors(client, lounge):
    """Visitors get a 404 for a signed-in category and its topics and posts, and
    the index and profiles leave it out."""
    topic, reply = lounge
    for url in ("/c/lounge/", f"/t/{topic.pk}/", f"/p/{reply.pk}/"):
        assert client.get(url).status_code == 404
    for url in ("/", "/u/lounger/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Members lounge" not in page(response)
        assert "Lounge talk" not in page(response)


def test_signed_in_category_is_open_to_signed_in_users(client, lounge):
    """Any signed-in user reads a signed-in category."""
    topic, reply = lounge
    client.force_login(UserFactory())
    assert "Members lounge" in page(client.get("/"))
    category = client.get("/c/lounge/")
    assert category.status_code == 200
    assert "Lounge talk" in page(category)
    thread = client.get(f"/t/{topic.pk}/")
    assert thread.status_code == 200
    assert "Lounge reply text." in page(thread)
    assert client.get(f"/p/{reply.pk}/").status_code == 302
    assert "Lounge talk" in page(client.get("/u/lounger/"))


# Hidden, pending and returned posts


HIDDEN_TEXT = "Hidden remark about the mayor"
PENDING_TEXT = "Pending remark about the budget"
RETURNED_TEXT = "Returned remark about the park"
VISIBLE_TEXT = "Visible remark about trees"


@dataclass
class Square:
    topic: Topic
    hidden: Post
    pending: Post
    returned: Post
    users: dict[str, User | None]


def build_square() -> Square:
    """A public topic where `author` wrote a visible reply, a hidden one, one
    awaiting approval and one returned to them."""
    admin = UserFactory(username="admin", is_staff=True)
    category = CategoryFactory(name="Town square", slug="town-square")
    elsewhere = CategoryFactory(name="Elsewhere", slug="elsewhere")
    facilitator = make_facilitator(category, username="facilitator")
    author = UserFactory(username="author")
    topic = TopicFactory(category=category, title="Open questions", body="Ask.")
    ReplyFactory(topic=topic, author=author, body=VISIBLE_TEXT)
    hidden = ReplyFactory(topic=topic, author=author, body=HIDDEN_TEXT)
    moderation.hide_post(post=hidden, actor=facilitator, reason="Personal attack")
    configure(category, approval_threshold=5)
    pending = ReplyFactory(topic=topic, author=author, body=PENDING_TEXT)
    returned = ReplyFactory(topic=topic, author=author, body=RETURNED_TEXT)
    moderation.return_post(post=returned, actor=facilitator, reason="Cite it")
    assert Post.objects.get(pk=pending.pk).status == Post.Status.PENDING
    assert Post.objects.get(pk=returned.pk).status == Post.Status.RETURNED
    return Square(
        topic=topic,
        hidden=hidden,
        pending=pending,
        returned=returned,
        users={
            "visitor": None,
            "participant": UserFactory(username="participant"),
            "other_facilitator": make_facilitator(elsewhere, username="otherfac"),
            "author": author,
            "facilitator": facilitator,
            "admin": admin,
        },
    )


OTHERS = ["visitor", "participant", "other_facilitator"]
INSIDERS = ["author", "facilitator", "admin"]


@pytest.mark.parametrize("role", OTHERS)
def test_hidden_post_shows_others_a_placeholder(client, role):
    """Others see a placeholder where a hidden post was, never its text."""
    world = build_square()
    response = sign_in(client, world.users[role]).get(f"/t/{world.topic.pk}/")
    assert response.status_code == 200
    assert PLACEHOLDER in page(response)
    assert VISIBLE_TEXT in page(response)
    assert HIDDEN_TEXT not in page(response)
    assert "Personal attack" not in page(response)


@pytest.mark.parametrize("role", INSIDERS)
def test_hidden_post_text_is_shown_marked_to_author_and_facilitators(client, role):
    """The author and facilitators read a hidden post's text, marked hidden."""
    world = build_square()
    response = sign_in(client, world.users[role]).get(f"/t/{world.topic.pk}/")
    assert response.status_code == 200
    assert HIDDEN_TEXT in page(response)
    assert "Hidden by facilitator" in page(response)
    assert PLACEHOLDER not in page(response)


@pytest.mark.parametrize("role", ["participant", "other_facilitator"])
def test_quoting_a_hidden_post_is_a_404(client, role):
    """Participants cannot quote a hidden post: the quote form is a 404."""
    world = build_square()
    response = sign_in(client, world.users[role]).get(
        f"/t/{world.topic.pk}/reply/?quote={world.hidden.pk}"
    )
    assert response.status_code == 404
    assert HIDDEN_TEXT not in page(response)


def test_replying_under_a_hidden_post_does_not_show_its_text(client):
    """The reply form never shows a participant the text of a hidden post, even
    when it is the post being answered."""
    world = build_square()
    response = sign_in(client, world.users["participant"]).get(
        f"/t/{world.topic.pk}/reply/?parent={world.hidden.pk}"
    )
    assert response.status_code in (200, 404)
    assert HIDDEN_TEXT not in page(response)


@pytest.mark.parametrize("role", OTHERS)
def test_profile_leaves_out_hidden_pending_and_returned_posts_for_others(client, role):
    """Others see none of the author's hidden, pending or returned posts on the
    author's profile."""
    world = build_square()
    response = sign_in(client, world.users[role]).get("/u/author/")
    assert response.status_code == 200
    assert VISIBLE_TEXT in page(response)
    for text in (HIDDEN_TEXT, PENDING_TEXT, RETURNED_TEXT):
        assert text not in page(response)


@pytest.mark.parametrize("role", OTHERS)
def test_pending_and_returned_posts_are_missing_for_others(client, role):
    """Nobody but the author and facilitators sees a post awaiting approval or
    returned: not on the topic page, and its permalink, history, quote and
    report pages are 404s (or the sign-in page for visitors)."""
    world = build_square()
    sign_in(client, world.users[role])
    thread = client.get(f"/t/{world.topic.pk}/")
    assert thread.status_code == 200
    assert VISIBLE_TEXT in page(thread)
    for post in (world.pending, world.returned):
        assert post.body not in page(thread)
        for url in (
            f"/p/{post.pk}/",
            f"/p/{post.pk}/history/",
            f"/p/{post.pk}/edit/",
            f"/moderation/p/{post.pk}/report/",
            f"/t/{world.topic.pk}/reply/?quote={post.pk}",
            f"/t/{world.topic.pk}/reply/?parent={post.pk}",
        ):
            response = client.get(url)
            assert response.status_code != 500
            assert response.status_code == 404 or (
                role == "visitor" and is_login_redirect(response)
            )
            assert post.body not in page(response)


@pytest.mark.parametrize("role", INSIDERS)
def test_pending_and_returned_posts_are_shown_to_author_and_facilitators(client, role):
    """The author and the category's facilitators see posts awaiting approval
    and returned posts on the topic page."""
    world = build_square()
    response = sign_in(client, world.users[role]).get(f"/t/{world.topic.pk}/")
    assert response.status_code == 200
    assert PENDING_TEXT in page(response)
    assert RETURNED_TEXT in page(response)


@pytest.mark.parametrize(
    ("role", "view"),
    [
        *[(role, "threaded") for role in INSIDERS],
        *[pytest.param(role, "flat") for role in INSIDERS],
    ],
)
def test_permalink_of_a_pending_post_leads_author_and_facilitators_to_it(
    client, role, view
):
    """The permalink of a post awaiting approval takes its author and the
    facilitators to the topic, in either view."""
    world = build_square()
    user = world.users[role]
    account_services.set_thread_view(user=user, view=view)
    response = sign_in(client, user).get(f"/p/{world.pending.pk}/")
    assert response.status_code != 500
    assert response.status_code == 302
    assert response["Location"].endswith(f"#p{world.pending.pk}")
    assert response["Location"].startswith(f"/t/{world.topic.pk}/")
