"""Included at the site's root: the facilitators' pages keep their addresses
under /moderation/, the export and series pages theirs beside the forum's."""

from django.urls import path

from . import views

app_name = "facilitation"

urlpatterns = [
    path("moderation/t/<int:pk>/dialogue/", views.dialogue_settings, name="dialogue"),
    path("moderation/t/<int:pk>/summary/", views.summary, name="summary"),
    path("moderation/t/<int:pk>/close/", views.close, name="close"),
    path(
        "moderation/t/<int:pk>/participation/",
        views.participation,
        name="participation",
    ),
    path("moderation/t/<int:pk>/notes/", views.topic_notes, name="notes"),
    path("moderation/p/<int:pk>/note/", views.annotate, name="annotate"),
    path("moderation/p/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("t/<int:pk>/export/", views.export_topic, name="export"),
    path("t/<int:pk>/export.md", views.export_topic_markdown, name="export_md"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
]
