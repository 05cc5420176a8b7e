from django.db import migrations

# Tasks queued before the move (a notification email, the fan-out of a post,
# tomorrow's digest run) name the functions by their old paths; they would fail
# to load in the worker, and a lost digest run would stop the daily digests.
RENAMED = {
    "forum.tasks.notify_post_task": "notifications.tasks.notify_post",
    "forum.tasks.send_notification_email_task": (
        "notifications.tasks.send_notification_email"
    ),
    "forum.tasks.send_digests_task": "notifications.tasks.send_digests",
}


def rename(apps, schema_editor, renamed=RENAMED):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in renamed.items():
        DBTaskResult.objects.filter(task_path=old, status="READY").update(
            task_path=new
        )


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_reason_code_field"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
