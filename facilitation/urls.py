"""Included at the site's root: the facilitators' pages keep their addresses
under /moderation/, the export, series and invitation pages theirs beside the
forum's."""

from django.urls import path

from . import views

app_name = "facilitation"

urlpatterns = [
    path("moderation/t/<id:pk>/dialogue/", views.dialogue_settings, name="dialogue"),
    path("moderation/t/<id:pk>/summary/", views.summary, name="summary"),
    path("moderation/t/<id:pk>/close/", views.close, name="close"),
    path(
        "moderation/t/<id:pk>/participation/",
        views.participation,
        name="participation",
    ),
    path("moderation/t/<id:pk>/invite/", views.invite, name="invite"),
    path(
        "moderation/c/<slug:slug>/invite/",
        views.invite_to_category,
        name="invite_to_category",
    ),
    path(
        "moderation/invitations/<id:pk>/remind/",
        views.remind_invitation,
        name="remind_invitation",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("moderation/t/<id:pk>/notes/", views.topic_notes, name="notes"),
    path("moderation/p/<id:pk>/note/", views.annotate, name="annotate"),
    path("moderation/p/<id:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("moderation/p/<id:pk>/restore/", views.restore, name="restore"),
    path("t/<id:pk>/export/", views.export_topic, name="export"),
    path("t/<id:pk>/export.md", views.export_topic_markdown, name="export_md"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
]
