from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0002: PostgreSQL will not alter a table with row updates of
    # the same transaction still pending their deferred constraint checks.

    dependencies = [("notifications", "0002_reason_codes")]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "None"),
                    ("watched_topic", "You watch this topic."),
                    ("watched_category", "You watch %(name)s."),
                    ("new_topic", "New topic in %(name)s."),
                    ("report_hidden", "The post was hidden."),
                    ("report_dismissed", "The post stays as it is."),
                    ("reported", "The reason given in the reports"),
                ],
                default="",
                max_length=20,
            ),
        ),
    ]
