"""Django's Redis cache, keeping one client per connection pool, and reading a
few hot keys without a round trip while they are unchanged.

Django's RedisCacheClient builds a new redis.Redis client for every operation, and
each one sets up its table of several hundred response callbacks: on a signed-in
page that reads the session, the page cache generation and the facilitators' ids,
that was a measurable share of the request. A client over a pool is thread-safe,
so keeping it is safe.

get_many_watched() serves the page cache's generations (forum/pagecache.py), read
on every page: see WatchedKeys.
"""

import logging
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

INVALIDATIONS = "__redis__:invalidate"


class WatchedKeys:
    """Values of a few keys, kept in this process until Redis says they changed.

    Redis's client-side caching (CLIENT TRACKING, Redis 6 and later): the keys are
    read on a tracking connection, and Redis then sends a message naming any of
    them that changes, whoever changed it, to a second connection subscribed to
    its invalidation channel. Before each use the kept values are checked against
    that connection without waiting (a poll of its socket): a message, or the
    connection closing, drops them and they are read again. Redis writes the
    message in the same pass as its answer to the writer, so a change made
    through one app server is seen by the next request to any other. A write
    through this process's own cache drops them at once (forget()).

    Values are also read again at least every MAX_AGE seconds, so that a
    connection cut without a word (no message, no close) cannot keep them
    longer; and when Redis cannot be reached, get_many() answers None and the
    caller reads the usual way.
    """

    MAX_AGE = 1.0
    RETRY_AFTER = 1.0

    def __init__(self, pool):
        self._pool = pool  # only makes the two connections
        self._lock = threading.Lock()
        self._pid = None
        self._reader = self._listener = None
        self._kept: dict[tuple, tuple[float, list]] = {}
        self._retry_at = 0.0
        self._failing = False

    def forget(self) -> None:
        self._kept = {}

    def get_many(self, names: tuple[str, ...]) -> list | None:
        """Raw values of the Redis keys `names` (None for a missing key), or None
        when they cannot be read this way."""
        with self._lock:
            try:
                values = self._get_many(names)
                if values is not None:
                    self._failing = False
                return values
            except Exception as error:
                # Once per outage (it is retried every RETRY_AFTER seconds).
                if not self._failing:
                    logger.warning("watched keys: %s; reading Redis each time", error)
                self._failing = True
                self._close()
                self._retry_at = time.monotonic() + self.RETRY_AFTER
                return None

    def _get_many(self, names):
        if self._pid != os.getpid():  # a forked child shares no connection
            self._reader = self._listener = None
            self._pid = os.getpid()
            self.forget()
        if self._listener is None:
            if time.monotonic() < self._retry_at:
                return None
            self._connect()
        while self._listener.can_read(timeout=0):
            # Any message (an invalidation, or a notice about the connection)
            # drops every kept value; a closed connection raises.
            self._listener.read_response()
            self.forget()
        now = time.monotonic()
        kept = self._kept.get(names)
        if kept is not None and now - kept[0] < self.MAX_AGE:
            return kept[1]
        self._reader.send_command("MGET", *names)
        values = self._reader.read_response()
        if None not in values:
            self._kept[names] = (now, values)
        return values

    def _connect(self) -> None:
        self._close()
        listener = self._pool.make_connection()
        reader = self._pool.make_connection()
        try:
            listener.send_command("CLIENT", "ID")
            listener_id = listener.read_response()
            listener.send_command("SUBSCRIBE", INVALIDATIONS)
            listener.read_response()
            reader.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", listener_id)
            reader.read_response()
        except Exception:
            listener.disconnect()
            reader.disconnect()
            raise
        self._listener, self._reader = listener, reader
        self.forget()

    def _close(self) -> None:
        for connection in (self._listener, self._reader):
            if connection is not None:
                connection.disconnect()
        self._listener = self._reader = None
        self.forget()


class _PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._watched = None

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def watched(self) -> WatchedKeys:
        if self._watched is None:
            # Connections of their own to the server writes go to (a change is
            # seen there first), speaking RESP2, where invalidations come as
            # plain messages on a subscribed connection.
            options = {**self._pool_options, "protocol": 2}
            pool = self._pool_class.from_url(self._servers[0], **options)
            self._watched = WatchedKeys(pool)
        return self._watched


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _PooledClient

    def get_many_watched(self, keys, version=None) -> dict | None:
        """get_many() for keys read on every request, answered from this
        process's memory while Redis reports no change to them (WatchedKeys);
        None when that cannot be done (then use get_many())."""
        names = tuple(self.make_and_validate_key(key, version=version) for key in keys)
        values = self._cache.watched().get_many(names)
        if values is None:
            return None
        loads = self._cache._serializer.loads
        return {
            key: loads(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    def _forget_watched(self) -> None:
        if self._cache._watched is not None:
            self._cache._watched.forget()


def _forgetting(name):
    def write(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        finally:
            self._forget_watched()

    write.__name__ = name
    write.__doc__ = f"RedisCache.{name}(), then forget the watched values."
    return write


for _name in (
    "add",
    "set",
    "set_many",
    "incr",
    "delete",
    "delete_many",
    "clear",
    "touch",
):
    setattr(PooledRedisCache, _name, _forgetting(_name))
