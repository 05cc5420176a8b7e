"""History: the day counts' triggers that migrations 0010 and 0012 created and
migration 0013 drops (with their table). Nothing else uses this module; it stays
because those migrations import it.

The day counts' triggers: an insert into
forum_topic counts the topic in its (category, pinned, day) row, a delete
uncounts it, and an update that changes the category, the pin or the day of the
last post moves it from one row to the other. Days are UTC dates; a topic
without a last post counts under 0001-01-01.
"""

# Every topic counted, given the database's expression for a topic's day.
COUNT_ALL = """
    INSERT INTO forum_topiclistday (category_id, is_pinned, day, n)
    SELECT category_id, is_pinned, %s, COUNT(*) FROM forum_topic GROUP BY 1, 2, 3
"""
POSTGRESQL_DAY = (
    "COALESCE((%s.last_post_at AT TIME ZONE 'UTC')::date, DATE '0001-01-01')"
)
# The function first takes its categories' rows (both, in id order, for a move),
# so the counts of a category are only ever written under its row's lock: every
# writer waits for the category before the counts, and two writers cannot each
# hold a count the other needs (as a pin and an unpin on the same day could).
POSTGRESQL_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION forum_topic_list_days() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM forum_category
        WHERE id IN (OLD.category_id, NEW.category_id) ORDER BY id
        FOR NO KEY UPDATE;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE forum_topiclistday SET n = n - 1
            WHERE category_id = OLD.category_id AND is_pinned = OLD.is_pinned
              AND day = {POSTGRESQL_DAY % "OLD"};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO forum_topiclistday (category_id, is_pinned, day, n)
            VALUES (NEW.category_id, NEW.is_pinned, {POSTGRESQL_DAY % "NEW"}, 1)
            ON CONFLICT (category_id, is_pinned, day)
            DO UPDATE SET n = forum_topiclistday.n + 1;
        END IF;
        RETURN NULL;
    END
    $$
"""
POSTGRESQL = [
    POSTGRESQL_FUNCTION,
    """
    CREATE TRIGGER forum_topic_list_days_insert_delete
    AFTER INSERT OR DELETE ON forum_topic
    FOR EACH ROW EXECUTE FUNCTION forum_topic_list_days()
    """,
    f"""
    CREATE TRIGGER forum_topic_list_days_update
    AFTER UPDATE OF category_id, is_pinned, last_post_at ON forum_topic
    FOR EACH ROW WHEN (
        OLD.category_id IS DISTINCT FROM NEW.category_id
        OR OLD.is_pinned IS DISTINCT FROM NEW.is_pinned
        OR {POSTGRESQL_DAY % "OLD"} IS DISTINCT FROM {POSTGRESQL_DAY % "NEW"}
    )
    EXECUTE FUNCTION forum_topic_list_days()
    """,
    COUNT_ALL % (POSTGRESQL_DAY % "forum_topic"),
]
POSTGRESQL_UNDO = [
    "DROP TRIGGER IF EXISTS forum_topic_list_days_update ON forum_topic",
    "DROP TRIGGER IF EXISTS forum_topic_list_days_insert_delete ON forum_topic",
    "DROP FUNCTION IF EXISTS forum_topic_list_days()",
]

SQLITE_DAY = "COALESCE(date(%s.last_post_at), '0001-01-01')"
SQLITE_COUNT = f"""
    INSERT INTO forum_topiclistday (category_id, is_pinned, day, n)
    VALUES (NEW.category_id, NEW.is_pinned, {SQLITE_DAY % "NEW"}, 1)
    ON CONFLICT (category_id, is_pinned, day) DO UPDATE SET n = n + 1;
"""
SQLITE_UNCOUNT = f"""
    UPDATE forum_topiclistday SET n = n - 1
    WHERE category_id = OLD.category_id AND is_pinned = OLD.is_pinned
      AND day = {SQLITE_DAY % "OLD"};
"""
SQLITE = [
    f"""
    CREATE TRIGGER forum_topic_list_days_insert AFTER INSERT ON forum_topic
    BEGIN {SQLITE_COUNT} END
    """,
    f"""
    CREATE TRIGGER forum_topic_list_days_delete AFTER DELETE ON forum_topic
    BEGIN {SQLITE_UNCOUNT} END
    """,
    f"""
    CREATE TRIGGER forum_topic_list_days_update
    AFTER UPDATE OF category_id, is_pinned, last_post_at ON forum_topic
    WHEN OLD.category_id IS NOT NEW.category_id
        OR OLD.is_pinned IS NOT NEW.is_pinned
        OR {SQLITE_DAY % "OLD"} IS NOT {SQLITE_DAY % "NEW"}
    BEGIN {SQLITE_UNCOUNT} {SQLITE_COUNT} END
    """,
    COUNT_ALL % (SQLITE_DAY % "forum_topic"),
]
SQLITE_UNDO = [
    "DROP TRIGGER IF EXISTS forum_topic_list_days_update",
    "DROP TRIGGER IF EXISTS forum_topic_list_days_delete",
    "DROP TRIGGER IF EXISTS forum_topic_list_days_insert",
]

VENDORS = {
    "postgresql": (POSTGRESQL, POSTGRESQL_UNDO),
    "sqlite": (SQLITE, SQLITE_UNDO),
}


def _execute(connection, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def take_category_locks(connection) -> None:
    """Migration 0012: the function of 0010 made anew, taking the category rows."""
    if connection.vendor == "postgresql":
        _execute(connection, [POSTGRESQL_FUNCTION])


def install(connection) -> None:
    """Create the triggers and count every topic (migration 0010)."""
    _execute(connection, VENDORS.get(connection.vendor, ([], []))[0])


def uninstall(connection) -> None:
    _execute(connection, VENDORS.get(connection.vendor, ([], []))[1])
