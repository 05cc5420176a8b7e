"""Series, prompts and summary revisions belong to facilitation now (its
migration 0001 takes them over with their tables and copies each topic's series
into facilitation_seriesentry first). The forum forgets them and drops
forum_topic.series_id, so that no forum model refers to a facilitation one."""

from django.db import migrations

# SQLite drops a foreign key column by rebuilding the table, which loses the
# table's triggers (forum.listdays): they are read before and made again after.
saved_triggers: dict[str, list[str]] = {}


def _topic_triggers(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT name, sql FROM sqlite_master"
        " WHERE type = 'trigger' AND tbl_name = 'forum_topic'"
    )
    return cursor.fetchall()


def save_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        saved_triggers[schema_editor.connection.alias] = [
            sql for _, sql in _topic_triggers(cursor)
        ]


def restore_triggers(apps, schema_editor):
    """Make the saved triggers again, unless the table kept its own."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        if _topic_triggers(cursor):
            return
        for sql in saved_triggers.pop(schema_editor.connection.alias, []):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0012_topic_list_days_category_locks"),
    ]

    operations = [
        migrations.RunPython(save_triggers, restore_triggers),
        migrations.RemoveField(model_name="topic", name="series"),
        migrations.RunPython(restore_triggers, save_triggers),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="post", name="prompts"),
                migrations.DeleteModel(name="Prompt"),
                migrations.DeleteModel(name="Series"),
                migrations.DeleteModel(name="SummaryRevision"),
            ]
        ),
    ]
