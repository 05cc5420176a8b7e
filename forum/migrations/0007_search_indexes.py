"""Indexes for search: visible posts newest first (search by date, and the newest
matches that relevance ranks), and on PostgreSQL a GIN index on the search
vectors of topic-opening posts (where titles are: the matching topics ranked
beside the newest matches, and the topics-only filter)."""

from django.db import migrations

DATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS post_visible_date_idx ON forum_post "
    "(created_at DESC, id DESC) WHERE status = 'published' AND NOT is_hidden"
)
OPENING_INDEX = (
    "CREATE INDEX IF NOT EXISTS post_opening_search_idx ON forum_post "
    "USING gin (search_vector) WHERE parent_id IS NULL"
)


def forwards(apps, schema_editor):
    schema_editor.execute(DATE_INDEX)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OPENING_INDEX)


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS post_opening_search_idx")
    schema_editor.execute("DROP INDEX IF EXISTS post_visible_date_idx")


class Migration(migrations.Migration):
    dependencies = [("forum", "0006_dialogues")]

    operations = [migrations.RunPython(forwards, backwards)]
