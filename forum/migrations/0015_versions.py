"""Versions of posts, topics and categories (forum.versions), the index that lets a
category page's ETag read its scheduled topics, and the day counts dropped with
their triggers: deep category pages walk the list index from its nearer end."""

from django.db import migrations, models

# The list index's columns as of this migration (migrations keep their own copy).
LIST_COLUMNS = (
    "title author_name author_id created_at is_locked post_count opens_at closes_at "
    "summary_excerpt last_post_id last_post_author_name last_post_created_at version"
).split()

DROP_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS forum_topic_list_days_insert_delete ON forum_topic",
        "DROP TRIGGER IF EXISTS forum_topic_list_days_update ON forum_topic",
        "DROP FUNCTION IF EXISTS forum_topic_list_days()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS forum_topic_list_days_update",
        "DROP TRIGGER IF EXISTS forum_topic_list_days_delete",
        "DROP TRIGGER IF EXISTS forum_topic_list_days_insert",
    ],
}


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in DROP_TRIGGERS.get(connection.vendor, []):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0014_notifications_moved_out"),
    ]

    operations = [
        # Going back leaves the day counts empty and without triggers: the pages
        # of that version then walk the list as they did before the counts.
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.DeleteModel(name="TopicListDay"),
        migrations.AddField(
            model_name="category",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="post",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="topic",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        # The list index carries the version too, so that a page of the list is
        # still read from the index alone.
        migrations.RemoveIndex(model_name="topic", name="topic_list_idx"),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(
                fields=["category", "-is_pinned", "-last_post_at", "-id"],
                include=LIST_COLUMNS,
                name="topic_list_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(
                condition=models.Q(is_locked=False)
                & (
                    models.Q(opens_at__isnull=False) | models.Q(closes_at__isnull=False)
                ),
                fields=["category"],
                name="topic_scheduled_idx",
            ),
        ),
    ]
