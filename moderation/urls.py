from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.report_queue, name="reports"),
    path("reports/<int:pk>/resolve/", views.resolve_report, name="resolve_report"),
    path("my-reports/", views.my_reports, name="my_reports"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("log/", views.audit_log, name="log"),
    path("users/", views.users, name="users"),
    path("users/bulk/", views.bulk_suspend, name="bulk_suspend"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/data/", views.user_data, name="user_data"),
    path("users/<int:pk>/delete/", views.delete_user, name="delete_user"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("t/<int:pk>/lock/", views.lock, name="lock"),
    path("t/<int:pk>/unlock/", views.unlock, name="unlock"),
    path("t/<int:pk>/pin/", views.pin, name="pin"),
    path("t/<int:pk>/rename/", views.rename, name="rename"),
    path("t/<int:pk>/move/", views.move, name="move"),
    path("p/<int:pk>/hide/", views.hide, name="hide"),
    path("p/<int:pk>/unhide/", views.unhide, name="unhide"),
    path("p/<int:pk>/approve/", views.approve, name="approve"),
    path("p/<int:pk>/return/", views.return_post, name="return"),
    path("p/<int:pk>/report/", views.report, name="report"),
]
