"""The Redis cache keeps one client per connection pool, and reads its watched
keys (the page cache's generations) from memory until Redis reports a change."""

import os
import shutil
import socket
import subprocess
import time

import pytest
import redis as redis_lib

from config.cache import PooledRedisCache, WatchedKeys

needs_redis = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="redis-server needed"
)


def test_one_client_per_pool():
    cache = PooledRedisCache("redis://127.0.0.1:1/0", {})
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client


@pytest.fixture
def redis_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(tmp_path)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_lib.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis_lib.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def other_server(redis_url):
    """Another process's view of the same Redis: its own client and cache."""
    client = redis_lib.Redis.from_url(redis_url)
    yield client, PooledRedisCache(redis_url, {})
    client.close()


def counting_reads(cache, monkeypatch) -> list:
    """Record every MGET the watched keys send to Redis."""
    watched = cache._cache.watched()
    sent = []
    original = WatchedKeys._connect

    def connect(self):
        original(self)
        send = self._reader.send_command

        def send_command(*args, **kwargs):
            sent.append(args)
            return send(*args, **kwargs)

        self._reader.send_command = send_command

    monkeypatch.setattr(WatchedKeys, "_connect", connect)
    watched._close()
    return sent


def settle():
    """Time for Redis's message to cross a local socket (it is sent before the
    writer's answer; this only removes scheduling noise from the test)."""
    time.sleep(0.05)


@needs_redis
def test_reads_and_writes_through_a_real_server(redis_url):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"a": {"x": 1}, "b": [2]})
    assert cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": [2]}
    cache.set("probe", 1)
    assert cache.incr("probe") == 2


@needs_redis
def test_watched_keys_are_read_once_while_unchanged(redis_url, monkeypatch):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    sent = counting_reads(cache, monkeypatch)
    for _ in range(20):
        assert cache.get_many_watched(["g", "p"]) == {"g": 5, "p": 7}
    assert len(sent) == 1
    assert sent[0][0] == "MGET"


@needs_redis
def test_a_change_by_another_server_is_seen_at_the_next_read(
    redis_url, other_server, monkeypatch
):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    sent = counting_reads(cache, monkeypatch)
    assert cache.get_many_watched(["g", "p"]) == {"g": 5, "p": 7}
    client, other_cache = other_server

    other_cache.incr("g")
    settle()
    assert cache.get_many_watched(["g", "p"]) == {"g": 6, "p": 7}
    other_cache.set("p", 70)
    settle()
    assert cache.get_many_watched(["g", "p"]) == {"g": 6, "p": 70}
    client.flushdb()  # every key, including ones never named
    settle()
    assert cache.get_many_watched(["g", "p"]) == {}
    other_cache.set_many({"g": 1, "p": 2})
    settle()
    assert cache.get_many_watched(["g", "p"]) == {"g": 1, "p": 2}
    # Nothing kept while a key was missing; each change read once.
    assert len(sent) == 5


@needs_redis
def test_a_write_through_this_process_is_seen_without_waiting(redis_url):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    watched = cache._cache.watched()
    for write, expected in [
        (lambda: cache.incr("g"), 6),
        (lambda: cache.set("g", 10), 10),
        (lambda: cache.set_many({"g": 11}), 11),
        (lambda: cache.decr("g"), 10),
        (lambda: cache.touch("g", 60), 10),
        (lambda: cache.delete("g"), None),
    ]:
        cache.get_many_watched(["g", "p"])
        assert watched._kept
        write()
        assert not watched._kept  # forgotten before Redis's message could arrive
        assert cache.get_many_watched(["g", "p"]).get("g") == expected


@needs_redis
def test_a_lost_connection_is_never_read_as_no_change(
    redis_url, other_server, monkeypatch
):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    watched = cache._cache.watched()
    assert cache.get_many_watched(["g", "p"]) == {"g": 5, "p": 7}
    client, other_cache = other_server
    # The connection that would carry the message is cut, then the key changes:
    # no message can come, yet the change is seen.
    listener_id = next(
        entry["id"]
        for entry in client.client_list()
        if "__redis__:invalidate" in str(entry) or entry.get("sub") == "1"
    )
    client.execute_command("CLIENT", "KILL", "ID", listener_id)
    other_cache.incr("g")
    settle()
    assert cache.get_many_watched(["g", "p"]) in (None, {"g": 6, "p": 7})
    assert watched._listener is None
    # Until it reconnects (after RETRY_AFTER), the caller reads the usual way.
    assert cache.get_many_watched(["g", "p"]) is None
    monkeypatch.setattr(WatchedKeys, "RETRY_AFTER", 0.0)
    watched._retry_at = 0.0
    assert cache.get_many_watched(["g", "p"]) == {"g": 6, "p": 7}
    other_cache.incr("g")
    settle()
    assert cache.get_many_watched(["g", "p"]) == {"g": 7, "p": 7}


@needs_redis
def test_values_are_read_again_after_max_age(redis_url, monkeypatch):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    sent = counting_reads(cache, monkeypatch)
    monkeypatch.setattr(WatchedKeys, "MAX_AGE", 0.0)
    for _ in range(3):
        cache.get_many_watched(["g", "p"])
    assert len(sent) == 3


@needs_redis
def test_a_forked_process_makes_its_own_connections(redis_url):
    cache = PooledRedisCache(redis_url, {})
    cache.set_many({"g": 5, "p": 7})
    watched = cache._cache.watched()
    cache.get_many_watched(["g", "p"])
    parent_listener = watched._listener
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            ok = (
                cache.get_many_watched(["g", "p"]) == {"g": 5, "p": 7}
                and watched._listener is not parent_listener
            )
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
    assert watched._listener is parent_listener
    assert cache.get_many_watched(["g", "p"]) == {"g": 5, "p": 7}


def test_no_server_means_none_and_the_usual_read():
    cache = PooledRedisCache("redis://127.0.0.1:1/0", {})
    assert cache.get_many_watched(["g"]) is None


@needs_redis
def test_the_page_cache_generations_are_watched(redis_url, other_server, settings):
    """forum.pagecache reads its generations through the watched keys: a bump
    here or on another server is seen by the next read."""
    from django.core.cache import caches

    from forum import pagecache

    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "config.cache.PooledRedisCache", "LOCATION": redis_url},
    }
    first = pagecache.generations()  # made on first use
    assert first is not None
    assert pagecache.generations() == first
    assert caches["default"]._cache.watched()._kept  # read this way, and kept
    pagecache.bump()
    second = pagecache.generations()
    assert second == (first[0] + 1, first[1])
    _, other_cache = other_server
    other_cache.incr(pagecache.PRIVATE_GENERATION_KEY)
    settle()
    assert pagecache.generations() == (second[0], second[1] + 1)


def test_an_outage_is_logged_once(caplog):
    cache = PooledRedisCache("redis://127.0.0.1:1/0", {})
    watched = cache._cache.watched()
    for _ in range(3):
        watched._retry_at = 0.0  # retried at once
        assert cache.get_many_watched(["g"]) is None
    assert len([r for r in caplog.records if "watched keys" in r.getMessage()]) == 1
