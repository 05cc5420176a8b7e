from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.report_queue, name="reports"),
    path("reports/<id:pk>/resolve/", views.resolve_report, name="resolve_report"),
    path("my-reports/", views.my_reports, name="my_reports"),
    path("approvals/", views.approval_queue, name="approvals"),
    path("log/", views.audit_log, name="log"),
    path("users/", views.users, name="users"),
    path("users/bulk/", views.bulk_suspend, name="bulk_suspend"),
    path("users/<id:pk>/", views.user_detail, name="user"),
    path("users/<id:pk>/data/", views.user_data, name="user_data"),
    path("users/<id:pk>/delete/", views.delete_user, name="delete_user"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("t/<id:pk>/lock/", views.lock, name="lock"),
    path("t/<id:pk>/unlock/", views.unlock, name="unlock"),
    path("t/<id:pk>/pin/", views.pin, name="pin"),
    path("t/<id:pk>/rename/", views.rename, name="rename"),
    path("t/<id:pk>/move/", views.move, name="move"),
    path("p/<id:pk>/hide/", views.hide, name="hide"),
    path("p/<id:pk>/unhide/", views.unhide, name="unhide"),
    path("p/<id:pk>/approve/", views.approve, name="approve"),
    path("p/<id:pk>/return/", views.return_post, name="return"),
    path("p/<id:pk>/report/", views.report, name="report"),
]
