from django.db import migrations


class Migration(migrations.Migration):
    """Notification, Watch and NotificationSettings now belong to the
    notifications app (its 0001 takes them over with their tables and rows);
    only the forum's record of them goes."""

    dependencies = [
        ("forum", "0013_facilitation_models_moved"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationSettings"),
                migrations.DeleteModel(name="Watch"),
            ],
            database_operations=[],
        )
    ]
