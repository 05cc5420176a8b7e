"""French pages, chosen by the browser's Accept-Language, carry no English
interface text; English stays the default."""

import pytest
from django.urls import reverse
from django.utils import translation

from moderation.models import AuditEntry
from notifications.models import Notification
from tests.factories import ReplyFactory, make_facilitator

from .conftest import english_left, private


def french_page(client, url, *, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, url
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert response["Content-Language"] == "fr"
    assert english_left(page) == [], url
    return page


def test_signed_out_pages_in_french(french, forum):
    category, topic, _reply = forum
    index = french_page(french, "/")
    assert "Catégorie" in index and "Dernier message" in index
    page = french_page(french, category.get_absolute_url())
    assert "Lancé par Amina" in page
    page = french_page(french, topic.get_absolute_url())
    assert "2 messages" in page
    assert "Connectez-vous pour répondre" in page
    # Posts stay in the language they were written in.
    assert "Une première idée." in page


def test_sign_up_and_sign_in_pages_in_french(french):
    page = french_page(french, reverse("account_signup"))
    assert "<h1>S\u2019inscrire</h1>" in page
    page = french_page(french, reverse("account_login"))
    assert "<h1>Se connecter</h1>" in page
    assert "Nom d\u2019utilisateur ou e-mail" in page


def test_reply_form_errors_in_french(french, forum, user):
    _, topic, _ = forum
    french.force_login(user)
    response = french.post(
        reverse("forum:reply", args=[topic.pk]), {"body": "   ", "post": "1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Écrivez un message avant de publier." in page
    assert english_left(page) == []


def test_member_pages_in_french(french, forum, user):
    _, topic, _reply = forum
    french.force_login(user)
    page = french_page(french, topic.get_absolute_url())
    assert "Répondre à ce sujet" in page and "Publier la réponse" in page
    assert "Citer" in page
    french_page(french, reverse("forum:profile", args=[user.username]))
    page = french_page(french, reverse("accounts:edit_profile"))
    assert "Fuseau horaire" in page and "Langue du forum" in page
    page = french_page(french, reverse("forum:reply", args=[topic.pk]))
    assert "Aperçu" in page


def test_notifications_page_in_french(french, forum, user):
    _, topic, _reply = forum
    french.force_login(user)
    mine = ReplyFactory(topic=topic, author=user, body="Je crois que oui.")
    ReplyFactory(topic=topic, parent=mine, body="Pourquoi ?")
    assert Notification.objects.filter(recipient=user).count() == 1
    page = french_page(french, reverse("notifications:list"))
    assert "vous a répondu dans «\u00a0La confiance\u00a0»" in page
    assert "Tout marquer comme lu" in page


def test_facilitator_dashboard_in_french(french, forum):
    category, topic, _ = forum
    facilitator = make_facilitator(category, username="flo")
    private(category)
    french.force_login(facilitator)
    page = french_page(french, reverse("moderation:dashboard"))
    assert "Tableau de bord de facilitation" in page
    assert "Membres seulement" in page  # a model choice's label
    page = french_page(french, topic.get_absolute_url())
    assert "Outils du facilitateur" in page and "Verrouiller le sujet" in page


def test_error_pages_in_french(french, user):
    page = french_page(french, "/t/999999/", status=404)
    assert "Page introuvable" in page
    french.force_login(user)
    page = french_page(french, reverse("moderation:dashboard"), status=403)
    assert "réservées aux facilitateurs" in page


def test_english_stays_the_default(client, forum):
    _, topic, _ = forum
    page = client.get(topic.get_absolute_url()).content.decode()
    assert '<html lang="en">' in page
    assert "Sign in to reply" in page
    english = client.get(topic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-GB")
    assert "Sign in to reply" in english.content.decode()


def test_an_unoffered_language_falls_back_to_english(client, forum):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert '<html lang="en">' in page and "Last post" in page


@pytest.mark.parametrize(
    "language, quoted, lock",
    [
        ("en", "Amina quoted you in “La confiance”", "Locked topic"),
        ("fr", "Amina vous a cité dans «\u00a0La confiance\u00a0»", "Sujet verrouillé"),
    ],
)
def test_texts_made_in_python_follow_the_language(forum, language, quoted, lock):
    _, topic, _ = forum
    notification = Notification(
        kind=Notification.Kind.QUOTE, actor_name="Amina", topic=topic
    )
    with translation.override(language):
        assert notification.headline() == quoted
        assert str(AuditEntry.Action.LOCK.label) == lock


def test_the_english_check_finds_english(client, forum):
    """The check above would see English left on a page."""
    _, topic, _ = forum
    page = client.get(topic.get_absolute_url()).content.decode()
    assert {"Sign in", "Topic locked"} - set(english_left(page)) == {"Topic locked"}
    assert "Last post" in english_left(client.get("/").content.decode())


def test_outage_page_in_french(french):
    """The 503 page is made before the language middleware: it still follows
    the reader's Accept-Language."""
    from unittest import mock

    from django.db.utils import OperationalError

    with mock.patch("forum.queries.index_page", side_effect=OperationalError("gone")):
        response = french.get("/")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Le forum est momentanément indisponible" in page
