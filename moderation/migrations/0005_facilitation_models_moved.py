"""Annotations and queue dismissals belong to facilitation now (its migration
0001 takes them over with their tables): forgotten here, nothing dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0004_annotations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Annotation"),
                migrations.DeleteModel(name="QueueDismissal"),
            ]
        ),
    ]
