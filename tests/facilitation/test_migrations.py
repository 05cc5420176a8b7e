"""Facilitation's models moved out of the forum and moderation apps keep their
tables and rows: a database made before the move, with a dialogue's every kind
of row, reads the same rows through the new app after migrating."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("accounts", "0005_language_time_zone"),
    ("contenttypes", "0002_remove_content_type_name"),
    ("forum", "0012_topic_list_days_category_locks"),
    ("moderation", "0004_annotations"),
    ("facilitation", None),
]


def migrate(targets):
    """Migrate the test database to targets; the historical apps there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1]]).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def topic_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name = 'forum_topic'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger"
                " WHERE tgrelid = 'forum_topic'::regclass AND NOT tgisinternal"
            )
        return {name for (name,) in cursor.fetchall()}


def make_dialogue(apps) -> dict:
    """A dialogue with rows in every table that moves, made with the models as
    they were before the move."""
    User = apps.get_model("accounts", "User")
    Category = apps.get_model("forum", "Category")
    Topic = apps.get_model("forum", "Topic")
    Post = apps.get_model("forum", "Post")
    Series = apps.get_model("forum", "Series")
    Prompt = apps.get_model("forum", "Prompt")
    SummaryRevision = apps.get_model("forum", "SummaryRevision")
    Annotation = apps.get_model("moderation", "Annotation")
    QueueDismissal = apps.get_model("moderation", "QueueDismissal")

    user = User.objects.create(username="mira", email="mira@example.org")
    category = Category.objects.create(name="Dialogues", slug="dialogues")
    series = Series.objects.create(name="Rounds", slug="rounds", description="1-3")
    topic = Topic.objects.create(
        category=category, title="Trust", author=user, author_name="Mira", series=series
    )
    other = Topic.objects.create(
        category=category, title="Unrelated", author=user, author_name="Mira"
    )
    post = Post.objects.create(
        topic=topic, author=user, author_name="Mira", body="Hi", body_html="<p>Hi</p>"
    )
    first = Prompt.objects.create(topic=topic, position=1, text="Why?")
    second = Prompt.objects.create(topic=topic, position=2, text="How?")
    post.prompts.set([first, second])
    SummaryRevision.objects.create(
        topic=topic, summary="Old summary.", editor=user, editor_name="Mira"
    )
    Annotation.objects.create(
        post=post, author=user, author_name="Mira", note="Quote it.", tags="trust"
    )
    QueueDismissal.objects.create(post=post, by_name="Mira")
    # As before the move: the content type (and its permissions) in the forum.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="facilitation", model="series").delete()
    series_type, _ = ContentType.objects.get_or_create(
        app_label="forum", model="series"
    )
    return {
        "series_type": series_type.pk,
        "topic": topic.pk,
        "other": other.pk,
        "post": post.pk,
        "series": series.pk,
        "prompts": [first.pk, second.pk],
    }


@pytest.mark.django_db(transaction=True)
def test_moved_models_keep_their_rows():
    """Series, topic's series, prompts and their answers, summary revisions,
    annotations and queue dismissals all survive the move; new rows follow on."""
    triggers = topic_triggers()
    try:
        made = make_dialogue(migrate(BEFORE))
        apps = migrate(latest())
    except Exception:
        migrate(latest())
        raise
    Series = apps.get_model("facilitation", "Series")
    SeriesEntry = apps.get_model("facilitation", "SeriesEntry")
    Prompt = apps.get_model("facilitation", "Prompt")
    SummaryRevision = apps.get_model("facilitation", "SummaryRevision")
    Annotation = apps.get_model("facilitation", "Annotation")
    QueueDismissal = apps.get_model("facilitation", "QueueDismissal")
    Topic = apps.get_model("forum", "Topic")

    series = Series.objects.get(pk=made["series"])
    assert (series.name, series.slug, series.description) == ("Rounds", "rounds", "1-3")
    entries = list(SeriesEntry.objects.values_list("topic_id", "series_id"))
    assert entries == [(made["topic"], made["series"])]
    assert "series" not in {f.name for f in Topic._meta.get_fields()}
    prompts = Prompt.objects.filter(topic_id=made["topic"]).order_by("position")
    assert [(p.pk, p.text) for p in prompts] == [
        (made["prompts"][0], "Why?"),
        (made["prompts"][1], "How?"),
    ]
    for prompt in prompts:
        assert list(prompt.answers.values_list("pk", flat=True)) == [made["post"]]
    revision = SummaryRevision.objects.get(topic_id=made["topic"])
    assert (revision.summary, revision.editor_name) == ("Old summary.", "Mira")
    note = Annotation.objects.get(post_id=made["post"])
    assert (note.note, note.tags, note.author_name) == ("Quote it.", "trust", "Mira")
    assert QueueDismissal.objects.get(post_id=made["post"]).by_name == "Mira"
    ContentType = apps.get_model("contenttypes", "ContentType")
    moved_type = ContentType.objects.get(pk=made["series_type"])
    assert (moved_type.app_label, moved_type.model) == ("facilitation", "series")
    # The tables' sequences carry on after the copied rows.
    third = Prompt.objects.create(topic_id=made["topic"], position=3, text="When?")
    assert third.pk not in made["prompts"]
    # A rebuilt topic table (SQLite) keeps its triggers.
    assert topic_triggers() == triggers


@pytest.mark.django_db(transaction=True)
def test_the_move_migrates_back_with_its_rows():
    """Migrating back puts the topic's series in its column again."""
    try:
        made = make_dialogue(migrate(BEFORE))
        migrate(latest())
        apps = migrate(BEFORE)
        Topic = apps.get_model("forum", "Topic")
        assert Topic.objects.get(pk=made["topic"]).series_id == made["series"]
        assert Topic.objects.get(pk=made["other"]).series_id is None
        Prompt = apps.get_model("forum", "Prompt")
        assert Prompt.objects.filter(topic_id=made["topic"]).count() == 2
    finally:
        migrate(latest())
