import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from accounts.services import update_profile
from forum import services
from tests.factories import TopicFactory, UserFactory, make_facilitator

PASSWORD = "correct-horse-battery"
SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
PROFILE = "/accounts/profile/"
EMAIL = "/accounts/email/"
RESET = "/accounts/password/reset/"
RESET_DONE = "/accounts/password/reset/done/"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def signed_in_id(client):
    return client.session.get(SESSION_KEY)


def sign_up(client, **overrides):
    data = {
        "username": "amara",
        "email": "amara@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(SIGNUP, data)


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


# Sign up and verification


def test_sign_up_sends_verification_and_waits_for_it(client):
    """Signing up creates an unverified account and emails a confirmation link."""
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(username="amara")
    assert user.email == "amara@example.org"
    address = EmailAddress.objects.get(user=user)
    assert address.email == "amara@example.org"
    assert address.verified is False
    assert signed_in_id(client) is None
    sent = mails_to("amara@example.org")
    assert len(sent) == 1
    assert CONFIRM_LINK.search(sent[0].body)


def test_login_is_refused_until_email_is_verified(client):
    """An unverified account cannot sign in; it is sent to verify instead."""
    sign_up(client)
    client.logout()

    response = client.post(LOGIN, {"login": "amara", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert signed_in_id(client) is None


def test_confirmation_link_verifies_and_signs_in(client):
    """Posting to the emailed link verifies the address and signs the user in."""
    sign_up(client)
    link = CONFIRM_LINK.search(mails_to("amara@example.org")[0].body).group(1)

    page = client.get(link)
    assert page.status_code == 200
    assert not EmailAddress.objects.get(email="amara@example.org").verified

    response = client.post(link)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="amara@example.org").verified is True
    assert signed_in_id(client) == str(User.objects.get(username="amara").pk)


def test_verified_account_can_sign_in_after_confirmation(client):
    """Once the address is verified, signing in with the password works."""
    sign_up(client)
    link = CONFIRM_LINK.search(mails_to("amara@example.org")[0].body).group(1)
    client.post(link)
    client.post(LOGOUT)
    assert signed_in_id(client) is None

    response = client.post(LOGIN, {"login": "amara", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_id(client) == str(User.objects.get(username="amara").pk)


def test_sign_up_with_taken_username_keeps_typed_values(client):
    """A taken username is a form error; the typed values stay in the form."""
    UserFactory(username="amara")

    response = sign_up(client, email="second@example.org")

    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors
    content = response.content.decode()
    assert 'value="amara"' in content
    assert 'value="second@example.org"' in content
    assert User.objects.filter(username="amara").count() == 1
    assert not User.objects.filter(email="second@example.org").exists()
    assert mails_to("second@example.org") == []


def test_sign_up_with_mismatched_passwords_keeps_typed_values(client):
    """Different passwords are a form error; username and email stay filled in."""
    response = sign_up(client, password2="another-horse-battery")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert "password2" in form.errors or "__all__" in form.errors
    content = response.content.decode()
    assert 'value="amara"' in content
    assert 'value="amara@example.org"' in content
    assert PASSWORD not in content
    assert not User.objects.filter(username="amara").exists()
    assert mail.outbox == []


# Sign in and out


def test_log_in_with_username(client, user):
    """A verified user signs in with their username."""
    response = client.post(LOGIN, {"login": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_id(client) == str(user.pk)


def test_facilitator_lands_on_their_queue_after_signing_in(client, category):
    """A facilitator's sign-in leads to the moderation queue; a `next` address
    still wins."""
    facilitator = make_facilitator(category, second_factor=False, username="fac")
    response = client.post(LOGIN, {"login": "fac", "password": PASSWORD})
    assert response["Location"] == "/moderation/"
    client.logout()
    response = client.post(
        f"{LOGIN}?next=/c/{category.slug}/",
        {"login": facilitator.username, "password": PASSWORD},
    )
    assert response["Location"] == f"/c/{category.slug}/"


def test_log_in_with_email(client, user):
    """A verified user signs in with their email address."""
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_id(client) == str(user.pk)


def test_log_in_with_wrong_password_fails(client, user):
    """A wrong password is refused and the user stays signed out."""
    response = client.post(LOGIN, {"login": user.username, "password": "wrong-one"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_id(client) is None


def test_log_out_with_post(client, user):
    """Signing out is a POST and ends the session."""
    client.post(LOGIN, {"login": user.username, "password": PASSWORD})
    assert signed_in_id(client) == str(user.pk)

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_id(client) is None


# Password reset


def test_password_reset_emails_known_address(client, user):
    """A known address receives a reset link."""
    response = client.post(RESET, {"email": user.email})

    assert response.status_code == 302
    assert response["Location"] == RESET_DONE
    sent = mails_to(user.email)
    assert len(sent) == 1
    assert RESET_LINK.search(sent[0].body)


def test_password_reset_does_not_reveal_unknown_address(client, user):
    """An unknown address gets the same answer as a known one, and no reset link."""
    known = client.post(RESET, {"email": user.email}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.org"}, follow=True)

    assert unknown.status_code == known.status_code == 200
    assert unknown.redirect_chain == known.redirect_chain == [(RESET_DONE, 302)]
    assert [t.name for t in unknown.templates] == [t.name for t in known.templates]
    for message in mails_to("nobody@example.org"):
        assert not RESET_LINK.search(message.body)


def test_password_reset_link_sets_new_password(client, user):
    """Following the emailed link lets the user choose a new password."""
    client.post(RESET, {"email": user.email})
    link = RESET_LINK.search(mails_to(user.email)[0].body).group(1)

    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(
        set_url,
        {"password1": "a-brand-new-secret", "password2": "a-brand-new-secret"},
    )

    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password("a-brand-new-secret")


# Profile settings


def test_profile_requires_sign_in(client):
    """Anonymous visitors are sent to sign in first."""
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PROFILE}"


def test_profile_changes_display_name_and_signature(member_client, user):
    """Saving the profile stores the name and a rendered signature."""
    response = member_client.post(
        PROFILE,
        {"display_name": "  Rosa I.  ", "signature": "*Listening* first"},
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    stored = User.objects.get(pk=user.pk)
    assert stored.display_name == "Rosa I."
    assert stored.signature == "*Listening* first"
    assert stored.signature_html == "<p><em>Listening</em> first</p>\n"


def test_profile_form_shows_current_values(member_client, user):
    """The settings page is filled in with the saved name and signature."""
    update_profile(user=user, display_name="Rosa I.", signature="Hello **there**")

    response = member_client.get(PROFILE)

    content = response.content.decode()
    assert 'value="Rosa I."' in content
    assert "Hello **there**</textarea>" in content


def test_signature_script_is_escaped(member_client, user):
    """Markup in a signature is shown as text, never run."""
    member_client.post(
        PROFILE,
        {"display_name": "", "signature": "<script>alert(1)</script> **bye**"},
    )

    html = User.objects.get(pk=user.pk).signature_html
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>bye</strong>" in html


def test_signature_shows_under_posts(client, user, topic):
    """A signature appears, rendered and sanitised, under the user's posts."""
    update_profile(
        user=user,
        display_name="Rosa",
        signature="<script>alert(1)</script> *Peace*",
    )
    services.post_reply(topic=topic, author=user, body="My reply.")

    response = client.get(topic.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    signatures = re.findall(
        r'<div class="signature" data-user-content>(.*?)</div>', content, re.DOTALL
    )
    assert signatures == [
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; <em>Peace</em></p>\n"
    ]
    assert "<script>alert(1)" not in content


def test_long_signature_is_refused_and_kept(member_client, user):
    """A signature over 500 characters is an error and the text stays in the form."""
    long_text = "word " * 100 + "extra"

    response = member_client.post(
        PROFILE, {"display_name": "Rosa", "signature": long_text}
    )

    assert response.status_code == 200
    assert "signature" in response.context["form"].errors
    assert long_text in response.content.decode()
    assert User.objects.get(pk=user.pk).signature == ""


def test_display_name_shows_on_public_profile(member_client, user, client):
    """The chosen display name heads the public profile page."""
    member_client.post(PROFILE, {"display_name": "Rosa the Host", "signature": ""})

    response = client.get(f"/u/{user.username}/")

    assert response.status_code == 200
    assert "<h1>Rosa the Host</h1>" in response.content.decode()


# Email change


@pytest.mark.parametrize("role", ["participant", "facilitator with two-factor"])
def test_adding_an_email_sends_verification(client, user, facilitator, role):
    """A new address is stored unverified and sent a confirmation link, also for
    an account that signs in with a second factor."""
    if role != "participant":
        user = facilitator
    client.force_login(user)
    response = client.post(EMAIL, {"email": "rosa.new@example.org", "action_add": ""})

    assert response.status_code == 302
    address = EmailAddress.objects.get(user=user, email="rosa.new@example.org")
    assert address.verified is False
    sent = mails_to("rosa.new@example.org")
    assert len(sent) == 1
    assert CONFIRM_LINK.search(sent[0].body)


def test_email_page_requires_sign_in(client):
    """Anonymous visitors cannot manage email addresses."""
    response = client.get(EMAIL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# Public profile


def test_public_profile_lists_topics_and_posts(client, user, category, topic):
    """A profile lists the topics the user started and their recent posts."""
    own = TopicFactory(category=category, author=user, title="Listening circles")
    services.post_reply(topic=topic, author=user, body="Small *steps* help.")
    services.post_reply(
        topic=topic, author=user, body="Body text", subject="On patience"
    )

    response = client.get(f"/u/{user.username}/")

    assert response.status_code == 200
    content = response.content.decode()
    assert f'<a href="/t/{own.pk}/">Listening circles</a>' in content
    assert "Trust in towns" not in re.search(
        r'id="topics-heading".*?</section>', content, re.DOTALL
    ).group(0)
    posts_section = re.search(
        r'id="posts-heading".*?</section>', content, re.DOTALL
    ).group(0)
    assert "Small steps help." in posts_section
    assert "On patience" in posts_section
    assert "in Trust in towns" in posts_section
    assert [t.pk for t in response.context["topics"]] == [own.pk]
    assert len(response.context["posts"]) == 3


def test_public_profile_of_unknown_user_is_404(client):
    """An unknown username is not found."""
    response = client.get("/u/no-such-person/")

    assert response.status_code == 404


@pytest.mark.parametrize(("url", "name"), [(LOGIN, "Sign in"), (SIGNUP, "Sign up")])
def test_sign_in_and_sign_up_use_the_site_wording(client, url, name):
    """The header says "Sign in" and "Sign up": so do the pages themselves, in
    their title, heading and button; allauth's "Login:", "Sign In", "Sign Up"
    and "Signup" are gone."""
    page = client.get(url).content.decode()
    assert re.search(rf"<title>\s*{name} ·", page)
    assert f"<h1>{name}</h1>" in page
    assert re.search(rf"<button[^>]*>\s*{name}\s*</button>", page)
    for allauth_word in ("Login:", "Sign In", "Sign Up", "Signup", "Remember Me"):
        assert allauth_word not in page
