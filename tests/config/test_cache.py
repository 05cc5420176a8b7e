"""The Redis cache keeps one client per connection pool."""

import shutil
import socket
import subprocess
import time

import pytest

from config.cache import PooledRedisCache


def test_one_client_per_pool():
    cache = PooledRedisCache("redis://127.0.0.1:1/0", {})
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server needed")
def test_reads_and_writes_through_a_real_server(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        cache = PooledRedisCache(f"redis://127.0.0.1:{port}/0", {})
        for _ in range(50):
            try:
                cache.set("probe", 1)
                break
            except Exception:
                time.sleep(0.1)
        cache.set_many({"a": {"x": 1}, "b": [2]})
        assert cache.get_many(["a", "b", "c"]) == {"a": {"x": 1}, "b": [2]}
        assert cache.incr("probe") == 2
    finally:
        server.terminate()
        server.wait(timeout=10)
