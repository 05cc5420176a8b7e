"""Two-factor sign-in is required of those who hold power: staff and facilitators
without it are prompted on every page and refused every tool and the admin (a
403 that links to the setup); participants are only offered it."""

import time

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import User
from forum import permissions
from moderation.models import AuditEntry, Report
from tests.factories import (
    TOTP_SECRET,
    UserFactory,
    add_authenticator_app,
    make_facilitator,
)
from tests.helpers import fresh, html, signed_in
from tests.totp import totp_code, wrong_code

from .test_permission_matrix import EXPECTED, OK, ROLES, build_world, request_for
from .test_permission_matrix import snapshot as matrix_snapshot

SETUP_LINK = 'href="/accounts/2fa/"'


def test_only_power_without_a_second_factor_lacks_one(category, user, facilitator):
    """Participants never lack it; staff and facilitators until they have an
    authenticator app or a security key (recovery codes alone do not count)."""
    admin = UserFactory(is_staff=True, second_factor=False)
    bare_facilitator = make_facilitator(category, second_factor=False)
    keyed = make_facilitator(category, second_factor=False)
    Authenticator.objects.create(user=keyed, type="webauthn", data={})
    coded = make_facilitator(category, second_factor=False)
    Authenticator.objects.create(user=coded, type="recovery_codes", data={})

    assert not permissions.lacks_second_factor(user)
    assert not permissions.lacks_second_factor(facilitator)
    assert not permissions.lacks_second_factor(UserFactory(is_staff=True))
    assert permissions.lacks_second_factor(admin)
    assert permissions.lacks_second_factor(bare_facilitator)
    assert not permissions.lacks_second_factor(keyed)
    assert permissions.lacks_second_factor(coded)


def test_power_without_a_second_factor_moderates_nothing(category, topic):
    """The predicates and getters that decide moderation say no."""
    bare = make_facilitator(category, second_factor=False)
    admin = UserFactory(is_staff=True, second_factor=False)
    for user in (bare, admin):
        assert not permissions.can_moderate(user, category)
        assert not permissions.is_moderator(user, {bare.pk})
        assert permissions.facilitated_category_ids(user) == set()
        with pytest.raises(permissions.SecondFactorRequired):
            permissions.get_topic_to_moderate(user, pk=topic.pk)
        with pytest.raises(permissions.SecondFactorRequired):
            permissions.get_post_to_moderate(user, pk=topic.first_post_id)

    add_authenticator_app(bare)
    bare = fresh(bare)
    assert permissions.can_moderate(bare, category)
    assert permissions.get_topic_to_moderate(bare, pk=topic.pk) == topic


def test_every_page_prompts_power_without_a_second_factor(client, category, topic):
    """The header carries the prompt, linking to the setup, until it is done;
    participants and those who have set it up see none."""
    bare = make_facilitator(category, second_factor=False)
    participant = UserFactory()
    for url in ["/", topic.get_absolute_url(), "/accounts/profile/"]:
        page = html(signed_in(bare).get(url))
        assert 'class="second-factor-prompt"' in page
        assert SETUP_LINK in page
        assert 'class="second-factor-prompt"' not in html(
            signed_in(participant).get(url)
        )

    add_authenticator_app(bare)
    assert 'class="second-factor-prompt"' not in html(signed_in(bare).get("/"))


def test_settings_page_offers_two_factor_sign_in_to_everyone(member_client):
    page = html(member_client.get("/accounts/profile/"))
    assert f"<a {SETUP_LINK}>Two-factor sign-in</a>" in page
    response = member_client.get("/accounts/2fa/")
    assert response.status_code == 200
    assert "Set up an authenticator app" in html(response)
    assert "needs JavaScript" in html(response)
    assert 'class="second-factor-prompt"' not in html(response)


@pytest.mark.parametrize("path", ["/admin/", "/admin/accounts/user/"])
def test_admin_refuses_staff_without_a_second_factor(client, path):
    """The Django admin answers 403 with a link to the setup, then opens."""
    admin = UserFactory(is_staff=True, second_factor=False)
    client.force_login(admin)

    response = client.get(path)

    assert response.status_code == 403
    assert SETUP_LINK in html(response)
    assert "Set up two-factor sign-in" in html(response)
    add_authenticator_app(admin)
    assert client.get(path).status_code == 200


def test_admin_still_refuses_participants(member_client):
    """The second-factor check comes before the admin's own, which still holds."""
    response = member_client.get("/admin/")
    assert response.status_code in (302, 403)
    assert SETUP_LINK not in html(response)


# One case per tool: the matrix's actions that facilitators (or, for the users'
# pages, admins) may use, in the first state the matrix lists for each, and the
# tools the matrix does not cover.
MATRIX_TOOLS = {}
for (action, state), answers in EXPECTED.items():
    roles = dict(zip(ROLES, answers, strict=True))
    if roles["participant"] != OK and roles["author"] != OK and roles["admin"] == OK:
        MATRIX_TOOLS.setdefault(action, state)

OTHER_TOOLS = {
    "resolve report": lambda client, world: client.post(
        f"/moderation/reports/{Report.objects.get().pk}/resolve/",
        {"outcome": "hide", "reason": "Spam"},
    ),
    "members": lambda client, world: client.post(
        f"/moderation/c/{world.category.slug}/members/",
        {"username": world.users["participant"].username},
    ),
    "user detail": lambda client, world: client.post(
        f"/moderation/users/{world.users['participant'].pk}/",
        {"suspend": "1", "reason": "Spam"},
    ),
    "bulk suspend": lambda client, world: client.post(
        "/moderation/users/bulk/",
        {"users": [world.users["participant"].pk], "reason": "Spam"},
    ),
    "user data": lambda client, world: client.get(
        f"/moderation/users/{world.users['participant'].pk}/data/"
    ),
    "delete user": lambda client, world: client.post(
        f"/moderation/users/{world.users['participant'].pk}/delete/",
        {"username": world.users["participant"].username},
    ),
    "export markdown": lambda client, world: client.get(
        f"/t/{world.topic.pk}/export.md"
    ),
}
ADMIN_ONLY = {"users", "user detail", "bulk suspend", "user data", "delete user"}


def user_rows() -> list:
    return list(User.objects.order_by("pk").values("pk", "is_active", "suspended_at"))


def use(tool: str, client, world, role: str):
    if tool in MATRIX_TOOLS:
        return request_for(tool, client, world, role)
    return OTHER_TOOLS[tool](client, world)


@pytest.mark.parametrize(
    "tool", sorted(MATRIX_TOOLS) + sorted(OTHER_TOOLS), ids=lambda tool: tool
)
def test_every_tool_refuses_power_without_a_second_factor(client, tool):
    """Each moderation and facilitation tool (and the users' pages, for admins)
    answers 403 with a link to the setup, and changes nothing."""
    world = build_world(MATRIX_TOOLS.get(tool, "locked"))
    role = "admin" if tool in ADMIN_ONLY else "facilitator"
    actor = world.users[role]
    Authenticator.objects.filter(user=actor).delete()
    client.force_login(actor)
    before = (matrix_snapshot(world), user_rows(), AuditEntry.objects.count())

    response = use(tool, client, world, role)

    assert response.status_code == 403
    assert SETUP_LINK in html(response)
    assert (matrix_snapshot(world), user_rows(), AuditEntry.objects.count()) == before
    # The same request passes once the second factor is set up.
    add_authenticator_app(actor)
    assert use(tool, client, world, role).status_code in (200, 302)


def test_admin_sees_and_deletes_second_factors_but_never_their_secrets(
    client, admin, facilitator
):
    """A lost phone: an admin deletes the facilitator's authenticator app in the
    Django admin, without ever seeing its secret; the facilitator is prompted
    again."""
    app = Authenticator.objects.get(user=facilitator)
    client.force_login(admin)
    url = f"/admin/mfa/authenticator/{app.pk}/"

    listing = client.get("/admin/mfa/authenticator/")
    detail = client.get(f"{url}change/")

    assert facilitator.name in html(listing)
    assert detail.status_code == 200
    assert TOTP_SECRET not in html(listing) + html(detail)
    assert client.get("/admin/mfa/authenticator/add/").status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 302
    assert permissions.lacks_second_factor(fresh(facilitator))


def test_sign_in_asks_power_for_the_code_before_opening_the_tools(client, facilitator):
    """Password first, then the authenticator app's code; a wrong code, or none,
    leaves the facilitator signed out."""
    answer = client.post(
        "/accounts/login/",
        {"login": facilitator.username, "password": "correct-horse-battery"},
    )
    assert answer["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/moderation/").status_code == 302  # to the sign-in page
    wrong = wrong_code(TOTP_SECRET)
    assert client.post(answer["Location"], {"code": wrong}).status_code == 200
    assert client.get("/moderation/").status_code == 302

    signed = client.post(answer["Location"], {"code": totp_code(TOTP_SECRET)})

    assert signed.status_code == 302
    assert client.get("/moderation/").status_code == 200


def test_a_code_from_the_previous_thirty_seconds_still_signs_in(client, facilitator):
    """A code typed just as the app shows the next one is accepted, once."""
    answer = client.post(
        "/accounts/login/",
        {"login": facilitator.username, "password": "correct-horse-battery"},
    )
    late = totp_code(TOTP_SECRET, at=time.time() - 30)

    assert client.post(answer["Location"], {"code": late}).status_code == 302
    assert client.get("/moderation/").status_code == 200
