"""Invitations into a members-only dialogue: the facilitator's list, the email
in each invitee's language, the link that works once, reminders, and the
overview of who has not joined or not spoken yet."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from accounts.services import delete_account, set_language
from facilitation import queries, services
from facilitation.models import Invitation
from forum.models import Category
from moderation.models import Member
from moderation.services import add_member
from tests.factories import (
    CategoryFactory,
    ReplyFactory,
    TopicFactory,
    UserFactory,
    make_facilitator,
)
from tests.helpers import configure, count_queries, html, text

LINK = re.compile(r"http://127\.0\.0\.1:8000(/invitations/[\w-]+/)")


@pytest.fixture
def private():
    category = CategoryFactory(name="Neighbours", slug="neighbours")
    return configure(category, visibility=Category.Visibility.PRIVATE)


@pytest.fixture
def facilitator(private):
    return make_facilitator(private, display_name="Mira Sol", username="mira")


@pytest.fixture
def dialogue(private, facilitator):
    return TopicFactory(category=private, author=facilitator, title="Trust in towns")


@pytest.fixture
def send(client, facilitator, dialogue, django_capture_on_commit_callbacks):
    """POST a list of people to the dialogue's invitation form as the
    facilitator; the emails go when the transaction commits."""

    def post(people: str, language: str = "en", as_user=facilitator):
        client.force_login(as_user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/moderation/t/{dialogue.pk}/invite/",
                {"people": people, "language": language},
                follow=True,
            )

    return post


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def mail_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_inviting_several_people_mails_each_in_their_language(send, facilitator):
    """Each invitee gets one email with a link, in their account's language if
    they have one, else in the language chosen on the form; who invites and
    to what is in it."""
    amelie = UserFactory(username="amelie", email="amelie@example.org")
    set_language(user=amelie, language="fr")
    ben = UserFactory(username="ben", email="ben@example.org")

    response = send("@amelie, Ben@Example.org\nNew.Person@example.org; zoe@example.org")

    assert response.status_code == 200
    assert "Invitations sent to 4 people" in text(response)
    assert len(mail.outbox) == 4
    (to_amelie,) = mail_to("amelie@example.org")
    assert to_amelie.subject == "Mira Sol vous invite à «\xa0Trust in towns\xa0»"
    assert "Mira Sol vous invite à participer au dialogue" in to_amelie.body
    (to_ben,) = mail_to("ben@example.org")
    assert to_ben.subject == "Mira Sol invites you to “Trust in towns”"
    assert "take part in the dialogue “Trust in towns” (Neighbours)" in to_ben.body
    (to_new,) = mail_to("new.person@example.org")
    assert to_new.subject.startswith("Mira Sol invites you")
    html_part = to_new.alternatives[0][0]
    assert link_in(to_new) in html_part
    rows = {i.email: i for i in Invitation.objects.all()}
    assert sorted(rows) == [
        "amelie@example.org",
        "ben@example.org",
        "new.person@example.org",
        "zoe@example.org",
    ]
    assert rows["amelie@example.org"].invited_user == amelie
    assert rows["ben@example.org"].invited_user == ben
    assert rows["amelie@example.org"].language == "fr"
    assert rows["zoe@example.org"].language == "en"
    # The token is only in the email: the row keeps its hash.
    for message in mail.outbox:
        token = link_in(message).split("/")[2]
        assert not Invitation.objects.filter(token_hash=token).exists()
        assert queries.invitation_for_token(token) is not None


def test_form_language_is_for_people_without_an_account(send):
    send("nouvelle@example.org", language="fr")

    (message,) = mail.outbox
    assert "vous invite" in message.subject
    assert "Le lien fonctionne une seule fois" in message.body


def test_link_works_once_and_lands_on_the_dialogue(
    client, send, dialogue, private, facilitator
):
    """Opening the link changes nothing; accepting makes the reader a member
    and lands on the dialogue; the same link afterwards is a clear 410."""
    ben = UserFactory(username="ben", email="ben@example.org")
    send("ben@example.org")
    link = link_in(mail.outbox[0])
    client.force_login(ben)

    page = client.get(link)
    assert page.status_code == 200
    assert "Mira Sol invites you to take part in the dialogue" in text(page)
    assert not Member.objects.filter(user=ben, category=private).exists()
    assert Invitation.objects.get().accepted_at is None

    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == dialogue.get_absolute_url()
    assert Member.objects.filter(user=ben, category=private).exists()
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == ben
    assert invitation.accepted_at is not None
    assert client.get(dialogue.get_absolute_url()).status_code == 200
    again = client.get(link)
    assert again.status_code == 410
    assert "This invitation has already been used" in text(again)
    assert "ask Mira Sol or another facilitator for a new invitation" in text(again)
    assert client.post(link).status_code == 410
    assert Member.objects.filter(user=ben, category=private).count() == 1


def test_a_new_person_signs_up_through_the_link(client, send, dialogue, private):
    """Signed out, the link leads to sign-up with the address filled in; the
    address needs no second check, and the new account joins."""
    send("newcomer@example.org")
    link = link_in(mail.outbox[0])
    mail.outbox.clear()
    client.logout()

    page = client.get(link)
    assert "Sign up to accept" in text(page)
    to_signup = client.post(link)
    assert to_signup.status_code == 302
    assert to_signup["Location"].startswith("/accounts/signup/?")
    signup_page = client.get(to_signup["Location"])
    assert 'value="newcomer@example.org"' in html(signup_page)
    signed_up = client.post(
        to_signup["Location"],
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "next": link,
        },
    )
    assert signed_up.status_code == 302, text(signed_up)
    assert signed_up["Location"] == link
    assert mail.outbox == []  # no address to verify: the invitation did
    newcomer = User.objects.get(username="newcomer")
    assert "You are signed in as newcomer" in text(client.get(link))

    landed = client.post(link)

    assert landed["Location"] == dialogue.get_absolute_url()
    assert Member.objects.filter(user=newcomer, category=private).exists()
    assert "you are now a member of “Neighbours”" in text(
        client.get(landed["Location"])
    )


def test_signed_out_invitee_with_an_account_is_asked_to_sign_in(client, send):
    UserFactory(username="ben", email="ben@example.org")
    send("ben@example.org")
    link = link_in(mail.outbox[0])
    client.logout()

    page = text(client.get(link))

    assert "An account already uses this address: sign in to accept." in page
    assert f"/accounts/login/?next={link.replace('/', '%2F')}" in html(client.get(link))


def test_an_address_of_a_member_gets_a_message_and_no_email(send, private, facilitator):
    member = UserFactory(username="carla", email="carla@example.org")
    add_member(user=member, category=private, actor=facilitator)

    response = send("Carla@example.org\n@mira")

    page = text(response)
    assert "Carla@example.org is already a member, not invited again." in page
    assert "@mira is already a member, not invited again." in page
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_an_open_invitation_is_not_sent_twice(send):
    send("dana@example.org")
    mail.outbox.clear()

    response = send("dana@example.org, erin@example.org")

    today = timezone.localdate().strftime("%-d %b %Y")
    assert (
        f"dana@example.org was already invited on {today}, not invited again."
        in text(response)
    )
    assert [m.to for m in mail.outbox] == [["erin@example.org"]]
    assert Invitation.objects.filter(email="dana@example.org").count() == 1


def test_entries_naming_nobody_are_each_explained_and_nothing_is_sent(send):
    response = send("good@example.org\nnot-an-address@\nnobody_here, @ghost")

    assert response.status_code == 200
    page = text(response)
    assert "“not-an-address@” is not a valid email address." in page
    assert "There is no account “nobody_here”" in page
    assert "There is no account “ghost”" in page
    assert "good@example.org\nnot-an-address@\nnobody_here, @ghost" in html(response)
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_expired_link_is_a_clear_410(client, send):
    send("fay@example.org")
    link = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory())

    response = client.get(link)

    assert response.status_code == 410
    assert "This invitation has expired" in text(response)
    assert "ask Mira Sol or another facilitator for a new invitation" in text(response)
    assert client.post(link).status_code == 410
    assert Invitation.objects.get().accepted_at is None


def test_expired_link_page_in_french(client, send):
    send("fay@example.org")
    link = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    page = text(client.get(link, HTTP_ACCEPT_LANGUAGE="fr"))

    assert "Cette invitation a expiré" in page


def test_inviting_again_after_expiry_renews_the_invitation(send):
    send("gil@example.org")
    old_link = link_in(mail.outbox[0])
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    mail.outbox.clear()

    send("gil@example.org")

    invitation = Invitation.objects.get()
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert len(mail.outbox) == 1
    assert queries.invitation_for_token(old_link.split("/")[2]) is None


def test_unknown_link_is_a_clear_404(client):
    response = client.get("/invitations/not-a-real-token/")

    assert response.status_code == 404
    assert "Invitation not found" in text(response)
    assert "Ask the facilitator who invited you for a new invitation." in text(response)


def test_only_the_categorys_facilitators_invite(client, dialogue, private):
    """A member is refused (403); someone who cannot see the category finds
    nothing (404); admins may invite."""
    member = UserFactory()
    add_member(user=member, category=private, actor=member)
    url = f"/moderation/t/{dialogue.pk}/invite/"
    category_url = "/moderation/c/neighbours/invite/"
    data = {"people": "x@example.org", "language": "en"}

    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, data).status_code == 403
    assert client.get(category_url).status_code == 403

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert client.get(category_url).status_code == 404
    assert client.get(f"/moderation/t/{dialogue.pk}/participation/").status_code == 404

    client.force_login(make_facilitator(CategoryFactory()))
    assert client.get(url).status_code == 404

    assert not Invitation.objects.exists()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200


def test_only_facilitators_send_reminders(client, send, private):
    send("hal@example.org")
    invitation = Invitation.objects.get()
    member = UserFactory()
    add_member(user=member, category=private, actor=member)
    remind = f"/moderation/invitations/{invitation.pk}/remind/"

    client.force_login(member)
    assert client.post(remind).status_code == 403
    client.force_login(UserFactory())
    assert client.post(remind).status_code == 404
    assert Invitation.objects.get().reminded_at is None


def test_a_reminder_is_sent_once(
    client, send, facilitator, dialogue, django_capture_on_commit_callbacks
):
    """The reminder carries a new link (the first one keeps working); a second
    reminder is refused, saying when the first went."""
    send("ivy@example.org")
    first_link = link_in(mail.outbox[0])
    mail.outbox.clear()
    invitation = Invitation.objects.get()
    remind = f"/moderation/invitations/{invitation.pk}/remind/"
    overview = f"/moderation/t/{dialogue.pk}/participation/"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remind, {"next": overview}, follow=True)

    assert response.redirect_chain[-1][0] == overview
    assert "Reminder sent to ivy@example.org." in text(response)
    (reminder,) = mail.outbox
    assert reminder.subject == "Reminder: Mira Sol invites you to “Trust in towns”"
    assert "A reminder: this invitation is still open." in reminder.body
    second_link = link_in(reminder)
    assert second_link != first_link
    assert Invitation.objects.get().reminded_at is not None
    for link in (first_link, second_link):
        assert queries.invitation_for_token(link.split("/")[2]).pk == invitation.pk

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(remind, {"next": overview}, follow=True)

    today = timezone.localdate().strftime("%-d %b %Y")
    assert (
        f"ivy@example.org was already reminded on {today}: one reminder is all."
        in text(again)
    )
    assert len(mail.outbox) == 1


def test_the_invitation_limit_answers_429_and_keeps_the_list(send, settings):
    """Past the hourly number of invitations: 429 with the wait, the list
    still in the form, nothing sent."""
    settings.FORUM_INVITATIONS_PER_HOUR = 3
    send("a@example.org, b@example.org")
    mail.outbox.clear()

    response = send("c@example.org\nd@example.org")

    assert response.status_code == 429
    assert 3590 <= int(response["Retry-After"]) <= 3600
    assert "You can send these in 60 minutes; your list is kept below." in text(
        response
    )
    assert "c@example.org\nd@example.org" in html(response)
    assert mail.outbox == []
    assert Invitation.objects.count() == 2

    # One more still fits in the hour.
    assert send("c@example.org").status_code == 200
    assert len(mail.outbox) == 1


def test_reminders_are_limited_per_hour(client, send, settings):
    settings.FORUM_INVITATION_REMINDERS_PER_HOUR = 1
    send("j@example.org, k@example.org")
    first, second = Invitation.objects.order_by("pk")

    assert client.post(f"/moderation/invitations/{first.pk}/remind/").status_code == 302
    response = client.post(f"/moderation/invitations/{second.pk}/remind/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3500
    assert "You can send another reminder in 60 minutes." in text(response)
    assert Invitation.objects.get(pk=second.pk).reminded_at is None


def test_overview_lists_pending_invitations_and_silent_newcomers(
    client, send, dialogue, private, facilitator
):
    """Not yet joined: the address, when invited, until when, the reminder.
    Joined but not heard: listed until they post."""
    send("lea@example.org, max@example.org")
    quiet = UserFactory(username="quiet", display_name="Quiet Quinn")
    talker = UserFactory(username="talker", display_name="Talker Tess")
    for user, email in ((quiet, "lea@example.org"), (talker, "max@example.org")):
        services.accept_invitation(
            invitation=Invitation.objects.get(email=email), user=user
        )
    ReplyFactory(topic=dialogue, author=talker, body="Hello, all.")
    send("nia@example.org")
    client.force_login(facilitator)

    page = html(client.get(f"/moderation/t/{dialogue.pk}/participation/"))

    pending = re.search(r'id="pending-invitations">(.*?)</table>', page, re.S)
    assert pending.group(1).count("<tr data-invitation=") == 1
    assert "nia@example.org" in pending.group(1)
    assert "Remind" in pending.group(1)
    assert 'name="csrfmiddlewaretoken"' in pending.group(1)
    silent = re.search(r'id="silent-invitees">(.*?)</ul>', page, re.S).group(1)
    assert "Quiet Quinn" in silent
    assert "Talker Tess" not in silent
    form = re.search(
        r'<form[^>]*action="/moderation/t/\d+/invite/"(.*?)</form>', page, re.S
    )
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert 'name="people"' in form.group(1)


def test_overview_of_a_public_dialogue_has_no_invitations(client):
    category = CategoryFactory()
    facilitator = make_facilitator(category)
    dialogue = TopicFactory(category=category, author=facilitator)
    client.force_login(facilitator)

    page = html(client.get(f"/moderation/t/{dialogue.pk}/participation/"))

    assert "pending-invitations" not in page
    response = client.post(
        f"/moderation/t/{dialogue.pk}/invite/", {"people": "x@example.org"}
    )
    assert response.status_code == 403


def test_overview_queries_do_not_grow_with_invitations(client):
    """As many queries with 2 invitations (and 2 silent newcomers) as with 20."""
    counts = []
    for count in (2, 20):
        category = configure(CategoryFactory(), visibility=Category.Visibility.PRIVATE)
        facilitator = make_facilitator(category)
        dialogue = TopicFactory(category=category, author=facilitator)
        services.invite_people(
            category=category,
            topic=dialogue,
            invitees=[
                queries.Invitee(f"p{n}@example.org", f"p{n}@example.org")
                for n in range(2 * count)
            ],
            actor=facilitator,
            language="en",
        )
        for invitation in Invitation.objects.filter(category=category)[:count]:
            services.accept_invitation(invitation=invitation, user=UserFactory())
        client.force_login(facilitator)
        url = f"/moderation/t/{dialogue.pk}/participation/"

        counts.append(count_queries(client, url))

        page = html(client.get(url))
        assert page.count("<tr data-invitation=") == count
        assert f'data-count="silent-invitees">{count}<' in page
    assert counts[0] == counts[1]


def test_category_invitations_from_the_members_page(
    client, private, facilitator, django_capture_on_commit_callbacks
):
    client.force_login(facilitator)
    members = html(client.get("/moderation/c/neighbours/members/"))
    assert 'href="/moderation/c/neighbours/invite/"' in members

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/moderation/c/neighbours/invite/",
            {"people": "omar@example.org", "language": "en"},
            follow=True,
        )

    assert "Invitation sent to omar@example.org." in text(response)
    (message,) = mail.outbox
    assert "invites you to join “Neighbours”" in message.body
    link = link_in(message)
    omar = UserFactory(username="omar", email="omar@example.org")
    client.force_login(omar)
    assert client.post(link)["Location"] == private.get_absolute_url()


def test_deleting_an_account_erases_its_invitations(send):
    ben = UserFactory(username="ben", email="ben@example.org")
    send("ben@example.org, other@example.org")

    delete_account(user=ben, actor=ben, remove_posts=False)

    assert list(Invitation.objects.values_list("email", flat=True)) == [
        "other@example.org"
    ]


def test_the_dialogues_tools_link_the_invitations(client, dialogue, facilitator):
    client.force_login(facilitator)

    page = html(client.get(dialogue.get_absolute_url()))

    assert f'href="/moderation/t/{dialogue.pk}/invite/"' in page
