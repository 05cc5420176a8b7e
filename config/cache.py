"""Django's Redis cache, keeping one client per connection pool.

Django's RedisCacheClient builds a new redis.Redis client for every operation, and
each one sets up its table of several hundred response callbacks: on a signed-in
page that reads the session, the page cache generation and the facilitators' ids,
that was a measurable share of the request. A client over a pool is thread-safe,
so keeping it is safe.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _PooledClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _PooledClient
