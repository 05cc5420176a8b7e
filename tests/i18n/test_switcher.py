"""The language switcher: signed-out readers switch by GET (a cookie; their
pages carry no CSRF token and stay cacheable, one copy per language); a
signed-in reader's choice is saved on their account and beats the browser."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.helpers import signed_in

from .conftest import english_left

SWITCH = reverse("accounts:switch_language")


def test_signed_out_switcher_is_a_link_without_csrf(client, forum):
    _, topic, _ = forum
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "csrfmiddlewaretoken" not in page
    assert f'href="{SWITCH}?language=fr&amp;next=' in page
    assert 'lang="fr" hreflang="fr"' in page


def test_signed_out_switch_sets_the_cookie_and_goes_back(client, forum):
    _, topic, _ = forum
    response = client.get(SWITCH, {"language": "fr", "next": topic.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == topic.get_absolute_url()
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    page = client.get(topic.get_absolute_url()).content.decode()
    assert '<html lang="fr">' in page and english_left(page) == []
    # The cookie beats the browser's language.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in page


@pytest.mark.parametrize(
    "query",
    [{"language": "de"}, {"language": ""}, {}],
)
def test_unknown_language_is_a_404(client, query):
    assert client.get(SWITCH, query).status_code == 404


def test_switch_never_redirects_off_site(client):
    response = client.get(SWITCH, {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == reverse("forum:index")


def test_signed_in_switch_needs_post_and_saves_the_choice(client, user, forum):
    _, topic, _ = forum
    client.force_login(user)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert 'name="language" value="fr"' in page
    assert client.get(SWITCH, {"language": "fr"}).status_code == 405
    response = client.post(SWITCH, {"language": "fr", "next": topic.get_absolute_url()})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).language == "fr"
    # The saved choice wins over the browser's language, and over the cookie.
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    page = client.get(topic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content
    assert '<html lang="fr">' in page.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in page


def test_signed_in_switch_needs_the_csrf_token(user):
    client = signed_in(user, enforce_csrf_checks=True)
    assert client.post(SWITCH, {"language": "fr"}).status_code == 403
    assert User.objects.get(pk=user.pk).language == ""


def test_settings_page_chooses_the_browser_again(client, user):
    User.objects.filter(pk=user.pk).update(language="fr")
    client.force_login(user)
    data = {
        "display_name": "",
        "signature": "",
        "language": "",
        "time_zone": "UTC",
        "named_in_exports": "undecided",
    }
    response = client.post(reverse("accounts:edit_profile"), data, follow=True)
    assert User.objects.get(pk=user.pk).language == ""
    assert "Your profile is saved." in response.content.decode()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr">' in page


@pytest.mark.django_db(transaction=True)
def test_page_cache_keeps_one_copy_per_language(forum):
    _, topic, _ = forum
    url = topic.get_absolute_url()
    english, french = Client(), Client(HTTP_ACCEPT_LANGUAGE="fr")
    switched = Client()
    switched.get(SWITCH, {"language": "fr", "next": url})
    for reader in (english, french, switched):
        reader.get(url)
    results = {}
    for name, reader in (("en", english), ("fr", french), ("cookie", switched)):
        response = reader.get(url)
        assert response.get("X-Page-Cache") == "hit", name
        assert not response.cookies, name
        results[name] = response.content.decode()
    assert "Sign in to reply" in results["en"]
    assert "Connectez-vous pour répondre" in results["fr"]
    assert "Connectez-vous pour répondre" in results["cookie"]
    assert "csrfmiddlewaretoken" not in results["fr"]
