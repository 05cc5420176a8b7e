"""Facilitation's models, moved from the forum and moderation apps with their
tables and rows: only the new SeriesEntry table is created. A topic's series,
a column of forum_topic until now, is copied into it before the forum drops the
column (forum 0013 runs after this migration)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_series(apps, schema_editor):
    Topic = apps.get_model("forum", "Topic")
    SeriesEntry = apps.get_model("facilitation", "SeriesEntry")
    rows = Topic.objects.filter(series__isnull=False).values_list("pk", "series_id")
    SeriesEntry.objects.bulk_create(
        SeriesEntry(topic_id=topic_id, series_id=series_id)
        for topic_id, series_id in rows.iterator()
    )


def copy_series_back(apps, schema_editor):
    Topic = apps.get_model("forum", "Topic")
    SeriesEntry = apps.get_model("facilitation", "SeriesEntry")
    for entry in SeriesEntry.objects.iterator():
        Topic.objects.filter(pk=entry.topic_id).update(series_id=entry.series_id)


MOVED_FROM = {
    "series": "forum",
    "prompt": "forum",
    "summaryrevision": "forum",
    "annotation": "moderation",
    "queuedismissal": "moderation",
}


def move_content_types(apps, schema_editor):
    """Permissions and admin log entries follow the models to their new app."""
    _relabel(apps, {model: (old, "facilitation") for model, old in MOVED_FROM.items()})


def _relabel(apps, moves: dict[str, tuple[str, str]]) -> None:
    """model -> (from app, to app), unless the target's row exists already."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, (old, new) in moves.items():
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(
                app_label=new
            )


def move_content_types_back(apps, schema_editor):
    _relabel(apps, {model: ("facilitation", old) for model, old in MOVED_FROM.items()})


MOVED = [
    migrations.CreateModel(
        name="Series",
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True,
                    primary_key=True,
                    serialize=False,
                    verbose_name="ID",
                ),
            ),
            ("name", models.CharField(max_length=150)),
            ("slug", models.SlugField(max_length=150, unique=True)),
            ("description", models.TextField(blank=True)),
        ],
        options={"db_table": "forum_series", "verbose_name_plural": "series"},
    ),
    migrations.CreateModel(
        name="Prompt",
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True,
                    primary_key=True,
                    serialize=False,
                    verbose_name="ID",
                ),
            ),
            ("position", models.PositiveIntegerField()),
            ("text", models.CharField(max_length=500)),
            (
                "topic",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="prompts",
                    to="forum.topic",
                ),
            ),
            (
                "answers",
                models.ManyToManyField(
                    blank=True,
                    db_table="forum_post_prompts",
                    related_name="prompts",
                    to="forum.post",
                ),
            ),
        ],
        options={
            "db_table": "forum_prompt",
            "ordering": ["position", "pk"],
            "constraints": [
                models.UniqueConstraint(
                    fields=("topic", "position"), name="prompt_unique_position"
                )
            ],
        },
    ),
    migrations.CreateModel(
        name="SummaryRevision",
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True,
                    primary_key=True,
                    serialize=False,
                    verbose_name="ID",
                ),
            ),
            ("summary", models.TextField()),
            ("editor_name", models.CharField(max_length=150)),
            ("edited_at", models.DateTimeField(auto_now_add=True)),
            (
                "editor",
                models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
            (
                "topic",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="summary_revisions",
                    to="forum.topic",
                ),
            ),
        ],
        options={
            "db_table": "forum_summaryrevision",
            "ordering": ["edited_at", "pk"],
        },
    ),
    migrations.CreateModel(
        name="Annotation",
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True,
                    primary_key=True,
                    serialize=False,
                    verbose_name="ID",
                ),
            ),
            ("author_name", models.CharField(max_length=150)),
            ("note", models.TextField(blank=True, max_length=2000)),
            ("tags", models.CharField(blank=True, max_length=300)),
            ("created_at", models.DateTimeField(auto_now_add=True)),
            (
                "author",
                models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.SET_NULL,
                    related_name="+",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
            (
                "post",
                models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="annotations",
                    to="forum.post",
                ),
            ),
        ],
        options={
            "db_table": "moderation_annotation",
            "ordering": ["created_at", "pk"],
        },
    ),
    migrations.CreateModel(
        name="QueueDismissal",
        fields=[
            (
                "id",
                models.BigAutoField(
                    auto_created=True,
                    primary_key=True,
                    serialize=False,
                    verbose_name="ID",
                ),
            ),
            ("by_name", models.CharField(max_length=150)),
            ("at", models.DateTimeField(auto_now_add=True)),
            (
                "post",
                models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="queue_dismissal",
                    to="forum.post",
                ),
            ),
        ],
        options={"db_table": "moderation_queuedismissal"},
    ),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("forum", "0012_topic_list_days_category_locks"),
        ("moderation", "0004_annotations"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    # The forum and moderation forget these models only once they live here,
    # and the forum drops its series column only once its values are copied.
    run_before = [
        ("forum", "0013_facilitation_models_moved"),
        ("moderation", "0005_facilitation_models_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=MOVED),
        migrations.CreateModel(
            name="SeriesEntry",
            fields=[
                (
                    "topic",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="series_entry",
                        serialize=False,
                        to="forum.topic",
                    ),
                ),
                (
                    "series",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="entries",
                        to="facilitation.series",
                    ),
                ),
            ],
            options={"verbose_name_plural": "series entries"},
        ),
        migrations.RunPython(copy_series, copy_series_back),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
