"""The shared cache: Django's Redis backend with its clients kept, and a counter that takes one round trip.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every call, which registers some 170
response callbacks each time: on a poll that was most of the cache's cost. `redis.Redis` is thread-safe over its
connection pool, so one client per pool serves every thread of the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def incr_expiring(self, key: str, delta: int, timeout: int) -> int:
        """INCRBY, and the expiry set when the key is new: one atomic round trip (EXPIRE … NX, Redis 7)."""
        pipeline = self.get_client(key, write=True).pipeline(transaction=True)
        pipeline.incrby(key, delta)
        pipeline.expire(key, timeout, nx=True)
        value, _ = pipeline.execute()
        return value


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def incr_expiring(self, key: str, delta: int, timeout: int) -> int:
        return self._cache.incr_expiring(self.make_and_validate_key(key), delta, timeout)


def counter_add(key: str, delta: int, timeout: int) -> int:
    """Add `delta` to a counter that lives `timeout` seconds from its first use; returns the new value.

    Atomic across processes with Redis (one round trip); the other backends add, then increment."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return cache.incr_expiring(key, delta, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        cache.add(key, delta, timeout)
        return delta


LOCAL_SECONDS = 5  # how long a process may serve its own copy after a change made elsewhere


def cached(key: str, compute: Callable[[], Any], *, timeout: int) -> Any:
    """`compute()`, cached in the shared cache for `timeout` s and in this process for LOCAL_SECONDS.

    For what every request reads and rarely changes (an account, its webhooks): most requests then ask neither the
    shared cache nor the database. `forget(key)` clears both (the shared one for every process at once; the other
    processes' own copies expire within LOCAL_SECONDS). `compute()` returning None is not cached."""
    local = caches["local"]
    value = local.get(key)
    if value is None:
        shared = caches["default"]
        value = shared.get(key)
        if value is None:
            value = compute()
            if value is None:
                return None
            shared.set(key, value, timeout)
        local.set(key, value, LOCAL_SECONDS)
    return value


def forget(key: str) -> None:
    caches["default"].delete(key)
    caches["local"].delete(key)
