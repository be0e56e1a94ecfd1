"""The shared cache: Django's Redis backend with its clients kept, a counter that takes one round trip, and an
outage that degrades instead of failing.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every call, which registers some 170
response callbacks each time: on a poll that was most of the cache's cost. `redis.Redis` is thread-safe over its
connection pool, so one client per pool serves every thread of the process.

Redis unreachable (settings give short socket timeouts): a read misses, a write is skipped, a counter fails open
(`counter_add` answers 0), with a warning logged at most every `WARNING_SECONDS`. For `RETRY_SECONDS` after a
failure, reads, counters and stores of cached data (`add`, `set_raw`) skip Redis without asking, so that a hanging
Redis costs a request few timeouts; `set`, `delete` and scripts always ask, since they may undo stale data or carry
a write others rely on (`poll_state.newest_ids_raise`). A script raises `CacheUnavailable`: its caller decides.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class CacheUnavailable(Exception):
    """The shared cache could not be reached: callers degrade (read the database, skip the cache write)."""


UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

logger = logging.getLogger("messenger.cache")
WARNING_SECONDS = 10.0
RETRY_SECONDS = 5.0
_warning_lock = threading.Lock()
_warned_at = [float("-inf")]  # monotonic time of the last warning
_failed_at = [float("-inf")]  # and of the last failure


def unreachable_warn(what: str, error: BaseException) -> None:
    """Log that the cache could not be reached, at most once per WARNING_SECONDS per process."""
    now = time.monotonic()
    _failed_at[0] = now
    with _warning_lock:
        if now - _warned_at[0] < WARNING_SECONDS:
            return
        _warned_at[0] = now
    logger.warning("cache unreachable, %s (%s); answering without it", what, error)


def unreachable_forget() -> None:
    """Forget past failures and warnings (a test's fresh start)."""
    _warned_at[0] = _failed_at[0] = float("-inf")


def recently_unreachable() -> bool:
    """Whether this process failed to reach the cache within RETRY_SECONDS: optional cache work may skip."""
    return time.monotonic() - _failed_at[0] < RETRY_SECONDS


def _degrading(what: str, fallback: Callable[..., Any], *, skips: bool = False) -> Callable:
    """A cache method that answers `fallback(*its arguments)` instead of failing when Redis is unreachable; with
    `skips`, also without asking Redis for RETRY_SECONDS after a failure."""

    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def degrading(self, *args, **kwargs):
            if skips and recently_unreachable():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                unreachable_warn(what, error)
                return fallback(*args, **kwargs)

        return degrading

    return wrap


def _missing(key, default=None, version=None):
    return default


def _nothing(*args, **kwargs):
    return None


def _not_done(*args, **kwargs):
    return False


def _none_found(*args, **kwargs):
    return {}


def _none_set(data, *args, **kwargs):
    return list(data)


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._scripts: dict[str, object] = {}  # registered Lua scripts by source

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    # INCRBY, the expiry set when the key is new, and GETs of other keys: one atomic round trip.
    COUNT_AND_READ = """
        local n = redis.call('INCRBY', KEYS[1], ARGV[1])
        if n == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
        local out = {n}
        for i = 2, #KEYS do out[i] = redis.call('GET', KEYS[i]) end
        return out
    """

    def script(self, source: str, keys: list[str], args: list) -> Any:
        """Run a Lua script (registered once per process, then called by its SHA) on the write connection."""
        client = self.get_client(keys[0] if keys else None, write=True)
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = client.register_script(source)
        try:
            return script(keys=keys, args=args, client=client)
        except UNREACHABLE as error:
            raise CacheUnavailable(str(error)) from error

    def loads(self, raw: bytes | None) -> Any:
        """A value as `get()` would return it, from the raw bytes a script returned."""
        return self._serializer.loads(raw) if raw else None

    def set_raw(self, key: str, value: bytes, timeout: int) -> None:
        """Store bytes as they are (not pickled), for Lua scripts to read."""
        self.get_client(key, write=True).set(key, value, ex=timeout)

    def incr_expiring(self, key: str, delta: int, timeout: int, read: list[str]) -> tuple[int, list]:
        value, *found = self.script(self.COUNT_AND_READ, [key, *read], [delta, timeout])
        found += [None] * (len(read) - len(found))  # a missing last key ends Lua's table early
        return value, [self.loads(v) for v in found]


class RedisCache(DjangoRedisCache):
    """Django's RedisCache whose reads miss and writes are skipped while Redis is unreachable (see the module)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def reachable(self) -> bool:
        """Whether Redis answers a PING now (`/readyz`)."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except UNREACHABLE:
            return False

    add = _degrading("not added", _not_done, skips=True)(DjangoRedisCache.add)
    get = _degrading("a read missed", _missing, skips=True)(DjangoRedisCache.get)
    get_many = _degrading("a read missed", _none_found, skips=True)(DjangoRedisCache.get_many)
    has_key = _degrading("a read missed", _not_done, skips=True)(DjangoRedisCache.has_key)
    set = _degrading("a write skipped", _nothing)(DjangoRedisCache.set)
    set_many = _degrading("a write skipped", _none_set)(DjangoRedisCache.set_many)
    touch = _degrading("a touch skipped", _not_done)(DjangoRedisCache.touch)
    delete = _degrading("a delete skipped", _not_done)(DjangoRedisCache.delete)
    delete_many = _degrading("a delete skipped", _nothing)(DjangoRedisCache.delete_many)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as error:
            raise CacheUnavailable(str(error)) from error

    def incr_expiring(self, key: str, delta: int, timeout: int, read: list[str]) -> tuple[int, list]:
        made = [self.make_and_validate_key(k) for k in read]
        return self._cache.incr_expiring(self.make_and_validate_key(key), delta, timeout, made)

    def script(self, source: str, keys: list[str], args: list) -> Any:
        """Run a Lua script with `keys` made into this cache's keys; ARGV goes as given (`make_key` for any key
        prefix the script builds keys from)."""
        return self._cache.script(source, [self.make_and_validate_key(k) for k in keys], args)

    def loads(self, raw: bytes | None) -> Any:
        return self._cache.loads(raw)

    @_degrading("a write skipped", _nothing, skips=True)
    def set_raw(self, key: str, value: bytes, timeout: int) -> None:
        self._cache.set_raw(self.make_and_validate_key(key), value, timeout)


def counter_add(key: str, delta: int, timeout: int, *, read: tuple[str, ...] = ()) -> tuple[int, dict[str, Any]]:
    """Add `delta` to a counter that lives `timeout` seconds from its first use; returns the new value, and the
    values of the `read` keys (None when missing), fetched in the same round trip.

    Atomic across processes with Redis (one round trip); the other backends add, increment, then read. Redis
    unreachable: fails open, 0 and nothing read, with a warning (a quota or rate limit then lets the request by)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        if recently_unreachable():
            return 0, dict.fromkeys(read)
        try:
            value, found = cache.incr_expiring(key, delta, timeout, list(read))
        except CacheUnavailable as error:
            unreachable_warn("a counter not counted", error)
            return 0, dict.fromkeys(read)
        return value, dict(zip(read, found, strict=True))
    cache.add(key, 0, timeout)
    try:
        value = cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        cache.add(key, delta, timeout)
        value = delta
    found = cache.get_many(list(read)) if read else {}
    return value, {k: found.get(k) for k in read}


def hashed(value: str) -> str:
    """A short, safe cache key part for any string (device ids and identifications hold up to 255 of anything)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


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
