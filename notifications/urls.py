from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.mark_notifications_read, name="read"),
    path("notifications/settings/", views.notification_settings, name="settings"),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="unsubscribe",
    ),
    path("t/<id:pk>/watch/", views.watch_topic, name="watch_topic"),
    path("c/<slug:slug>/watch/", views.watch_category, name="watch_category"),
]
