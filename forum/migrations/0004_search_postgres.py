"""PostgreSQL only: unaccent, accent-insensitive text search configurations for the
categories' languages, and the GIN index on Post.search_vector. On SQLite search
is a plain match and this migration does nothing."""

from django.db import migrations

CONFIGS = {"english_unaccent": "english", "french_unaccent": "french"}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, base in CONFIGS.items():
        run(
            "DO $$ BEGIN "
            f"IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN "
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base}); "
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR "
            f"hword, hword_part, word WITH unaccent, {base}_stem; "
            "END IF; END $$"
        )
    run(
        "CREATE INDEX IF NOT EXISTS post_search_idx ON forum_post "
        "USING gin (search_vector)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS post_search_idx")
    for name in CONFIGS:
        schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("forum", "0003_search")]

    operations = [migrations.RunPython(forwards, backwards)]
