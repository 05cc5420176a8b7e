"""Suspension removes power, and nobody acts on their own account: a suspended
facilitator or admin who signs in again reaches no moderation, facilitation or
admin tool, and an admin cannot suspend, restore, promote or delete themselves."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import URLPattern, get_resolver, reverse

from accounts.models import User
from facilitation import services as facilitation_services
from facilitation.models import Annotation, Invitation, Prompt, QueueDismissal
from facilitation.queries import Invitee
from forum import services as forum_services
from forum.models import Post, Topic
from forum.permissions import may_use_power
from moderation import services
from moderation.models import AuditEntry, Facilitator, Member, Report
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, fresh, html, signed_in

REFUSED = {403, 404, 405}

# Pages every signed-in reader has, whatever their roles: what a suspended
# account sees there is checked by the permission matrix.
EVERY_READERS = {
    "facilitation:series",
    "moderation:my_reports",
    # An invitation's link: whoever holds it (tests/facilitation/test_invitations).
    "facilitation:invitation",
}


class World:
    """A category with a dialogue in every state a tool acts on, its people, and
    the two power holders who get suspended."""

    def __init__(self):
        self.admin = UserFactory(is_staff=True, display_name="Real Admin")
        self.category = CategoryFactory(name="Dialogues", slug="dialogues")
        self.other = CategoryFactory(name="Elsewhere", slug="elsewhere")
        self.facilitator = make_facilitator(self.category, display_name="Maren Holt")
        services.appoint_facilitator(user=self.facilitator, category=self.other)
        self.staff = UserFactory(is_staff=True, display_name="Staff Member")
        self.participant = UserFactory(display_name="Pat Reader")
        self.member = UserFactory(display_name="Mo Member")
        services.add_member(user=self.member, category=self.category, actor=self.admin)
        self.topic = TopicFactory(category=self.category, author=self.participant)
        self.locked = TopicFactory(category=self.category, author=self.participant)
        services.lock_topic(topic=self.locked, actor=self.admin)
        self.post = ReplyFactory(topic=self.topic, author=self.participant)
        self.hidden = ReplyFactory(topic=self.topic, author=self.participant)
        services.hide_post(post=self.hidden, actor=self.admin, reason="Off topic.")
        reporter = UserFactory()
        self.report = services.report_post(
            post=self.post, reporter=reporter, reason=Report.Reason.SPAM
        )
        configure(self.category, approval_threshold=1)
        self.pending = ReplyFactory(topic=self.topic, author=UserFactory())
        assert self.pending.status == Post.Status.PENDING
        plan = facilitation_services.invite_people(
            category=self.category,
            topic=self.topic,
            invitees=[Invitee("new@example.org", "new@example.org")],
            actor=self.facilitator,
            language="en",
        )
        self.invitation = plan.sent[0]
        services.suspend_user(user=self.facilitator, actor=self.admin, reason="Abuse.")
        services.suspend_user(user=self.staff, actor=self.admin, reason="Abuse.")

    def requests(self, name: str) -> list[tuple[str, str, dict]]:
        """(method, url, data) for each way a holder of power would use the tool
        at name: each one changes something or shows what only they may see."""
        topic, post = self.topic.pk, self.post.pk
        admin = self.admin.pk
        table = {
            "facilitation:dialogue": (
                [topic],
                [{"add_prompt": "1", "text": "A question added while suspended?"}],
            ),
            "facilitation:summary": ([topic], [{"summary": "Summary by power."}]),
            "facilitation:close": ([topic], [{"note": "Closed by power."}]),
            "facilitation:participation": ([topic], []),
            "facilitation:notes": ([topic], []),
            "facilitation:invite": (
                [topic],
                [{"people": "someone@example.org", "language": "en"}],
            ),
            "facilitation:invite_to_category": (
                [self.category.slug],
                [{"people": "someone@example.org", "language": "en"}],
            ),
            "facilitation:remind_invitation": ([self.invitation.pk], [{}]),
            "facilitation:annotate": ([post], [{"note": "Noted.", "tags": "theme"}]),
            "facilitation:dismiss": ([post], [{}]),
            "facilitation:restore": ([post], [{}]),
            "facilitation:export": ([self.locked.pk], []),
            "facilitation:export_md": ([self.locked.pk], []),
            "moderation:dashboard": ([], []),
            "moderation:reports": ([], []),
            "moderation:resolve_report": (
                [self.report.pk],
                [{"outcome": "hide", "reason": "Spam."}],
            ),
            "moderation:approvals": ([], []),
            "moderation:log": ([], []),
            "moderation:users": ([], []),
            "moderation:bulk_suspend": (
                [],
                [
                    {
                        "user": [admin, self.participant.pk],
                        "reason": "Spam.",
                        "confirm": "1",
                    }
                ],
            ),
            "moderation:user": (
                [admin],
                [
                    {"suspend": "1", "reason": "Taking over."},
                    {"appoint": self.category.pk},
                ],
            ),
            "moderation:user_data": ([admin], []),
            "moderation:delete_user": ([admin], [{"posts": "keep"}]),
            "moderation:members": (
                [self.category.slug],
                [{"username": self.participant.username}, {"remove": self.member.pk}],
            ),
            "moderation:lock": ([topic], [{"note": "Locked by power."}]),
            "moderation:unlock": ([self.locked.pk], [{}]),
            "moderation:pin": ([topic], [{"pinned": "1"}]),
            "moderation:rename": ([topic], [{"title": "Renamed by power"}]),
            "moderation:move": ([topic], [{"category": self.other.pk}]),
            "moderation:hide": ([post], [{"reason": "Hidden by power."}]),
            "moderation:unhide": ([self.hidden.pk], [{}]),
            "moderation:approve": ([self.pending.pk], [{}]),
            "moderation:return": ([self.pending.pk], [{"reason": "Returned."}]),
            "moderation:report": ([post], [{"reason": "spam", "text": ""}]),
        }
        # A tool missing here fails its test with a KeyError: each new one
        # must say how it is used.
        args, posts = table[name]
        url = reverse(name, args=args)
        return [("get", url, {}), *(("post", url, data) for data in posts)]


def tool_names() -> list[str]:
    """Every named URL of the facilitation and moderation apps."""
    names = []
    for namespace in ("facilitation", "moderation"):
        _, resolver = get_resolver().namespace_dict[namespace]
        names += [
            f"{namespace}:{p.name}"
            for p in resolver.url_patterns
            if isinstance(p, URLPattern)
        ]
    return sorted(set(names) - EVERY_READERS)


def snapshot() -> dict:
    """Everything a tool could change, as stored now."""
    return {
        "topics": list(Topic.objects.order_by("pk").values()),
        "posts": list(Post.objects.order_by("pk").values()),
        "users": list(
            User.objects.order_by("pk").values(
                "pk",
                "is_active",
                "is_staff",
                "is_facilitator",
                "suspended_at",
                "suspended_until",
            )
        ),
        "facilitators": sorted(
            Facilitator.objects.values_list("user_id", "category_id")
        ),
        "members": sorted(Member.objects.values_list("user_id", "category_id")),
        "reports": sorted(Report.objects.values_list("pk", "status")),
        "prompts": sorted(Prompt.objects.values_list("pk", "text")),
        "annotations": Annotation.objects.count(),
        "dismissals": QueueDismissal.objects.count(),
        "audit": AuditEntry.objects.count(),
        "invitations": list(Invitation.objects.order_by("pk").values()),
    }


@pytest.fixture
def world():
    return World()


@pytest.mark.parametrize("role", ["facilitator", "staff"])
@pytest.mark.parametrize("name", tool_names())
def test_a_suspended_holder_of_power_uses_no_tool(world, role, name):
    """Signed in again after a suspension, a facilitator or admin is refused every
    moderation and facilitation page and action, and nothing changes."""
    client = signed_in(getattr(world, role))
    before = snapshot()
    for method, url, data in world.requests(name):
        response = getattr(client, method)(url, data)
        assert response.status_code in REFUSED, (method, url, data)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/"),
        ("get", "/admin/accounts/user/"),
        ("get", "/admin/accounts/user/{admin}/change/"),
        ("post", "/admin/accounts/user/{admin}/change/"),
        ("post", "/admin/accounts/user/{admin}/delete/"),
        ("post", "/admin/moderation/facilitator/add/"),
    ],
)
def test_a_suspended_admin_cannot_use_the_django_admin(world, method, path):
    """The Django admin refuses a suspended staff user (403), nothing changed."""
    client = signed_in(world.staff)
    url = path.format(admin=world.admin.pk)
    data = {"post": "yes", "user": world.staff.pk, "category": world.category.pk}
    before = snapshot()
    response = getattr(client, method)(url, data if method == "post" else None)
    assert response.status_code == 403
    assert snapshot() == before


def test_a_suspended_facilitator_sees_no_tools_and_no_hidden_text(world):
    """The topic page gives a suspended facilitator a reader's view: no tools,
    no hidden post's text, no Facilitation link."""
    page = html(signed_in(world.facilitator).get(world.topic.get_absolute_url()))
    assert "/moderation/t/" not in page
    assert world.hidden.body not in page
    assert reverse("moderation:dashboard") not in page


@pytest.mark.parametrize("role", ["facilitator", "staff"])
def test_forum_pages_open_to_power_stay_shut_when_suspended(world, role):
    """Another's post history, editing another's post and a post awaiting
    approval are a facilitator's; suspended, they are not found or refused."""
    forum_services.edit_post(
        post=world.post, editor=world.participant, body="Second thoughts."
    )
    client = signed_in(getattr(world, role))
    before = snapshot()
    for method, url, data in [
        ("get", reverse("forum:post_history", args=[world.post.pk]), {}),
        ("get", reverse("forum:edit_post", args=[world.post.pk]), {}),
        ("post", reverse("forum:edit_post", args=[world.post.pk]), {"body": "Mine"}),
        ("get", reverse("forum:post", args=[world.pending.pk]), {}),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code in REFUSED, (method, url)
    assert snapshot() == before


def test_a_suspended_admin_sees_no_admin_links(world):
    page = html(signed_in(world.staff).get("/"))
    assert reverse("admin:index") not in page
    assert reverse("moderation:dashboard") not in page


def test_power_returns_when_the_suspension_is_lifted(world):
    """The gate is the suspension itself, not a lost role."""
    assert not may_use_power(fresh(world.facilitator))
    services.unsuspend_user(user=world.facilitator, actor=world.admin)
    client = signed_in(fresh(world.facilitator))
    response = client.post(
        reverse("moderation:rename", args=[world.topic.pk]), {"title": "Renamed again"}
    )
    assert response.status_code == 302
    assert fresh(world.topic).title == "Renamed again"


# Nobody acts on their own account


@pytest.mark.parametrize(
    "data",
    [
        {"suspend": "1", "reason": "Testing."},
        {"unsuspend": "1"},
        {"appoint": "category"},
        {"remove_role": "other"},
    ],
)
def test_an_admin_cannot_change_their_own_account(world, data):
    """Suspending, restoring or appointing oneself is refused with a 403."""
    services.appoint_facilitator(user=world.admin, category=world.other)
    data = {
        key: getattr(world, value).pk if value in ("category", "other") else value
        for key, value in data.items()
    }
    before = snapshot()
    response = signed_in(world.admin).post(
        reverse("moderation:user", args=[world.admin.pk]), data
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_an_admins_own_page_offers_no_change(world):
    """On their own user page an admin finds no form to suspend, appoint,
    remove or delete themselves, and is told why."""
    services.appoint_facilitator(user=world.admin, category=world.other)
    page = html(
        signed_in(world.admin).get(reverse("moderation:user", args=[world.admin.pk]))
    )
    assert "only another admin may change" in page
    for control in ('name="suspend"', 'name="appoint"', 'name="remove_role"'):
        assert control not in page
    assert reverse("moderation:delete_user", args=[world.admin.pk]) not in page
    other = html(
        signed_in(world.admin).get(
            reverse("moderation:user", args=[world.facilitator.pk])
        )
    )
    assert 'name="unsuspend"' in other
    assert 'name="remove_role"' in other


def test_a_suspended_admin_cannot_lift_their_own_suspension(world):
    response = signed_in(world.staff).post(
        reverse("moderation:user", args=[world.staff.pk]), {"unsuspend": "1"}
    )
    assert response.status_code == 403
    assert fresh(world.staff).is_suspended


def test_bulk_suspension_leaves_the_acting_admin_out(world):
    """Choosing oneself among others suspends only the others."""
    response = signed_in(world.admin).post(
        reverse("moderation:bulk_suspend"),
        {
            "user": [world.admin.pk, world.participant.pk],
            "reason": "Spam.",
            "confirm": "1",
        },
    )
    assert response.status_code == 302
    assert not fresh(world.admin).is_suspended
    assert fresh(world.participant).is_suspended


def test_the_services_refuse_an_actor_acting_on_themselves(world):
    """A command or a future view calling the services directly is refused too."""
    admin = world.admin
    with pytest.raises(PermissionDenied):
        services.suspend_user(user=admin, actor=admin, reason="Oops.")
    services.suspend_user(user=world.participant, actor=admin, reason="Spam.")
    with pytest.raises(PermissionDenied):
        services.unsuspend_user(user=world.participant, actor=world.participant)
    with pytest.raises(PermissionDenied):
        services.appoint_facilitator(user=admin, category=world.other, actor=admin)
    with pytest.raises(PermissionDenied):
        services.remove_facilitator(
            user=world.facilitator, category=world.other, actor=world.facilitator
        )
    assert not fresh(admin).is_suspended
    assert not Facilitator.objects.filter(user=admin).exists()


def admin_user_form(user: User, **changes) -> dict:
    """The Django admin's change form for user as it stands, with changes."""
    data = {
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "signature": user.signature,
        "thread_view": user.thread_view,
        "first_name": "",
        "last_name": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on" if user.is_superuser else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_admin_cannot_drop_their_own_staff_flag_in_the_django_admin(world):
    """The flags on one's own account are read-only; another's still change."""
    client = signed_in(world.admin)
    own = admin_user_form(world.admin, is_staff="", is_active="")
    response = client.post(f"/admin/accounts/user/{world.admin.pk}/change/", own)
    assert response.status_code in (200, 302)
    admin = fresh(world.admin)
    assert admin.is_staff
    assert admin.is_active
    other = admin_user_form(world.staff, is_staff="")
    response = client.post(f"/admin/accounts/user/{world.staff.pk}/change/", other)
    assert response.status_code == 302, html(response)[:2000]
    assert not fresh(world.staff).is_staff


def test_an_admin_cannot_delete_themselves_in_the_django_admin(world):
    client = signed_in(world.admin)
    response = client.post(
        f"/admin/accounts/user/{world.admin.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert User.objects.filter(pk=world.admin.pk).exists()


def test_an_admin_cannot_appoint_themselves_in_the_django_admin(world):
    """Adding one's own facilitator row is a form error; nothing is stored."""
    client = signed_in(world.admin)
    response = client.post(
        "/admin/moderation/facilitator/add/",
        {"user": world.admin.pk, "category": world.category.pk},
    )
    assert response.status_code == 200
    assert "own account" in html(response)
    assert not Facilitator.objects.filter(user=world.admin).exists()
