"""Many writers at once: every reply is stored once, in order, with exact counters;
two people editing the same post both keep their text in the history."""

import queue
import threading
import time
import uuid
from collections import Counter

import pytest
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import Category, Post, Topic
from moderation import services as moderation
from tests.factories import CategoryFactory, TopicFactory, UserFactory, make_facilitator
from tests.helpers import signed_in

from . import ON_POSTGRES, HttpSession

CLIENTS = 20
REPLIES_EACH = 10
ON_POSTGRES_ONLY = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="concurrent writers over HTTP need PostgreSQL (SQLite takes one writer "
    "at a time): run on PostgreSQL (make test, or scripts/with-postgres)",
)


def _run_together(workers) -> list[BaseException]:
    """Start every worker at the same moment (a barrier); return their errors."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=60)
            work()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return errors


@ON_POSTGRES_ONLY
def test_twenty_clients_reply_to_one_topic_at_once(transactional_db, live_server):
    """20 signed-in clients posting 10 replies each to one topic at the same time,
    over HTTP to the running server: exactly 200 replies stored, positions 2..201
    gap-free, the topic's and category's counters and last post exact, no 5xx."""
    topic = TopicFactory(category=CategoryFactory(), title="Everyone at once")
    reply_url = reverse("forum:reply", args=[topic.pk])
    people = []
    for n in range(CLIENTS):
        user = UserFactory(username=f"writer{n}")
        session = HttpSession(live_server.url)
        session.sign_in(user.username)
        people.append((n, session, session.csrf_token(reply_url)))

    statuses: Counter = Counter()
    locations: list[str] = []
    lock = threading.Lock()

    def writer(n: int, session: HttpSession, token: str):
        def work():
            for r in range(REPLIES_EACH):
                answer = session.post(
                    reply_url,
                    {
                        "csrfmiddlewaretoken": token,
                        "body": f"Reply {r} from writer {n}.",
                        "submission_key": uuid.uuid4().hex,
                        "named_in_exports": "yes",
                        "post": "1",
                    },
                )
                with lock:
                    statuses[answer.status] += 1
                    locations.append(answer.location)
                assert answer.status < 500, f"{answer.status}: {answer.text[:500]}"

        return work

    started = time.monotonic()
    errors = _run_together([writer(*person) for person in people])
    elapsed = time.monotonic() - started

    expected = CLIENTS * REPLIES_EACH
    stored = Post.objects.filter(topic=topic).exclude(pk=topic.first_post_id).count()
    failures = sum(count for status, count in statuses.items() if status != 302)
    print(
        f"concurrency: {CLIENTS} clients x {REPLIES_EACH} replies: {expected} "
        f"expected, {stored} stored, {failures + len(errors)} errors, "
        f"{elapsed:.1f} s (statuses {dict(statuses)})"
    )
    assert not errors, errors[:3]
    assert statuses == {302: expected}
    assert len(set(locations)) == expected, "a redirect pointed at the same post twice"
    assert stored == expected

    posts = Post.objects.filter(topic=topic)
    positions = sorted(posts.values_list("position", flat=True))
    assert positions == list(range(1, expected + 2))
    bodies = set(posts.exclude(pk=topic.first_post_id).values_list("body", flat=True))
    assert bodies == {
        f"Reply {r} from writer {n}."
        for n in range(CLIENTS)
        for r in range(REPLIES_EACH)
    }
    assert not posts.exclude(status=Post.Status.PUBLISHED).exists()
    for n in range(CLIENTS):
        mine = posts.filter(author__username=f"writer{n}").order_by("position")
        numbers = [int(body.split()[1]) for body in mine.values_list("body", flat=True)]
        assert numbers == list(range(REPLIES_EACH)), f"writer{n}'s replies out of order"

    topic.refresh_from_db()
    last = posts.order_by("-position").first()
    assert topic.post_count == expected + 1
    assert topic.last_post_id == last.pk
    assert topic.last_post_at == last.created_at
    category = Category.objects.get(pk=topic.category_id)
    assert category.post_count == expected + 1
    assert category.last_post_id == last.pk

    # A full recount from the rows agrees with the counters kept on the way.
    services.recount_topic(topic=topic)
    services.recount_category(category=category)
    recounted = Topic.objects.get(pk=topic.pk)
    assert (recounted.post_count, recounted.last_post_id) == (
        topic.post_count,
        topic.last_post_id,
    )
    category.refresh_from_db()
    assert (category.post_count, category.last_post_id) == (expected + 1, last.pk)


def _edit(client: Client, post: Post, body: str):
    return client.post(reverse("forum:edit_post", args=[post.pk]), {"body": body})


def test_two_editors_of_one_post_both_keep_their_text(topic, user):
    """Author and facilitator both open the edit form, then both send it: the
    last text wins and the history keeps the original and the first edit."""
    post = services.post_reply(topic=topic, author=user, body="The original text.")
    facilitator = make_facilitator(topic.category)
    author_client, facilitator_client = signed_in(user), signed_in(facilitator)
    edit_url = reverse("forum:edit_post", args=[post.pk])
    assert author_client.get(edit_url).status_code == 200
    assert facilitator_client.get(edit_url).status_code == 200

    first = _edit(author_client, post, "The author's correction.")
    second = _edit(facilitator_client, post, "The facilitator's tidy-up.")

    assert (first.status_code, second.status_code) == (302, 302)
    post.refresh_from_db()
    assert post.body == "The facilitator's tidy-up."
    history = list(post.revisions.values_list("body", "editor_name"))
    assert history == [
        ("The original text.", user.name),
        ("The author's correction.", facilitator.name),
    ]


@ON_POSTGRES_ONLY
def test_two_editors_sending_at_the_same_moment_lose_nothing(
    transactional_db, live_server
):
    """Author and facilitator send their edits at the same moment over HTTP: one
    text wins, and the history holds the original and the other one."""
    topic = TopicFactory(category=CategoryFactory())
    author = UserFactory(username="author")
    post = services.post_reply(topic=topic, author=author, body="The original text.")
    make_facilitator(topic.category, username="facilitator")
    edit_url = reverse("forum:edit_post", args=[post.pk])
    texts = {"author": "The author's correction.", "facilitator": "The tidy-up."}
    answers = {}
    workers = []
    for name, text in texts.items():
        session = HttpSession(live_server.url)
        session.sign_in(name)
        token = session.csrf_token(edit_url)

        def work(session=session, token=token, name=name, text=text):
            answers[name] = session.post(
                edit_url, {"csrfmiddlewaretoken": token, "body": text}
            ).status

        workers.append(work)

    errors = _run_together(workers)

    assert not errors, errors
    assert answers == {"author": 302, "facilitator": 302}
    post.refresh_from_db()
    assert post.body in texts.values()
    history = list(post.revisions.values_list("body", flat=True))
    (other,) = set(texts.values()) - {post.body}
    assert history == ["The original text.", other]


class _Worker(threading.Thread):
    """Runs work on its own database connection and says which server process
    that is, so the test can see when it waits for a lock."""

    def __init__(self, work):
        super().__init__()
        self.work, self.error, self.pid = work, None, queue.Queue()

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid.put(cursor.fetchone()[0])
            self.work()
        except BaseException as error:
            self.error = error
        finally:
            connection.close()


def _waits_for_a_lock(pid: int, seconds: float = 10) -> bool:
    """Whether the server process pid comes to wait for a row or table lock
    (pg_locks is read afresh by each statement, unlike pg_stat_activity)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid]
            )
            if cursor.fetchone():
                return True
            time.sleep(0.02)
    return False


def _take_now(sql: str, params: list) -> None:
    """Run a locking statement that must not wait (NOWAIT, or a short lock
    timeout): a failure means another transaction holds what it locks."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '2s'")
        try:
            cursor.execute(sql, params)
        except OperationalError as error:
            pytest.fail(f"held by the waiting transaction: {error}")


@ON_POSTGRES_ONLY
def test_a_waiting_move_holds_neither_category(transactional_db):
    """A move takes its topic, then both categories in id order. Here another
    transaction holds the lower-id category (the target), as a move the other way
    would; the waiting move must not hold the other (its source), or the two moves
    would each wait for the other for ever."""
    target = CategoryFactory()
    source = CategoryFactory()
    assert target.pk < source.pk
    topic = TopicFactory(category=source)
    facilitator = UserFactory()
    mover = _Worker(
        lambda: moderation.move_topic(topic=topic, actor=facilitator, category=target)
    )
    with transaction.atomic():
        Category.objects.select_for_update().get(pk=target.pk)
        mover.start()
        assert _waits_for_a_lock(mover.pid.get(timeout=10)), "the move did not wait"
        _take_now("SELECT 1 FROM forum_category WHERE id = %s FOR UPDATE", [source.pk])
    mover.join(timeout=30)
    assert not mover.is_alive() and mover.error is None, mover.error
    assert Topic.objects.get(pk=topic.pk).category_id == target.pk
    assert Category.objects.get(pk=source.pk).topic_count == 0


@ON_POSTGRES_ONLY
def test_moves_both_ways_between_two_categories_at_once_all_finish(transactional_db):
    """Ten rounds of two facilitators moving a topic each between the same two
    categories in opposite directions at the same moment: no deadlock error, and
    the counts and day counts stay exact."""
    one, two = CategoryFactory(), CategoryFactory()
    a, b = TopicFactory(category=one), TopicFactory(category=two)
    facilitator = UserFactory()
    for round_ in range(10):
        there, back = (two, one) if round_ % 2 == 0 else (one, two)
        errors = _run_together(
            [
                lambda c=there: _closing(moderation.move_topic, a, c, facilitator),
                lambda c=back: _closing(moderation.move_topic, b, c, facilitator),
            ]
        )
        assert not errors, errors
    assert Category.objects.get(pk=one.pk).topic_count == 1
    assert Category.objects.get(pk=two.pk).topic_count == 1


def _closing(move, topic, category, actor):
    try:
        move(topic=topic, actor=actor, category=category)
    finally:
        connection.close()
