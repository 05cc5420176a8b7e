"""The day counts' trigger function (forum.listdays) takes its categories' rows
before it writes their counts."""

from django.db import migrations

from forum import listdays


def forwards(apps, schema_editor):
    listdays.take_category_locks(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0011_topic_list_covering"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
