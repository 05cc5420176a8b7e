from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.edit_profile, name="edit_profile"),
    path("language/", views.switch_language, name="switch_language"),
    path("data/", views.download_data, name="download_data"),
    path("delete/", views.delete_own_account, name="delete_account"),
]
