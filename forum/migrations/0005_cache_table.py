"""The database cache table used by the production settings when no REDIS_URL is
set (rate limits must be shared by every server process)."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, "django_cache", False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS django_cache")


class Migration(migrations.Migration):
    dependencies = [("forum", "0004_search_postgres")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
