"""What a poll with nothing new needs, kept in the shared cache: such a poll is then answered without the database.

Two kinds of keys:

- `poll:device:{account}:{hash of the device id}`: a snapshot of the caller (device, customer, current conversation
  and its assignee) as JSON, for `SNAPSHOT_SECONDS`, for reads only. Every poll that reads the caller from the
  database writes it; saving or deleting the device, moving devices to another customer, and assigning a
  conversation (for its customers' devices) forget it. What else it shows (the registration, the assignee's name)
  may lag a change by at most `SNAPSHOT_SECONDS`; a new message refreshes it at once, since the poll that fetches
  the message reads the database. A post checks the current conversation again under the customer's lock.
- `poll:newest:{customer}`: the customer's newest message id. It is raised, never lowered, *before the commit* of
  every write that gives a customer a message (`newest_ids_raise`), and by polls from what the database said. So it
  may be too high (a post rolled back: the customer's polls read the database until their next message), never too
  low once a message is committed: a poll sees the message either through the key or, sent to the database by it,
  in the table. A missing key (expired after `NEWEST_SECONDS` without a write, or evicted) sends polls to the
  database, which sets it again. A key lost *between* a post's raise and its commit (a Redis restart, a failover,
  an eviction: run Redis with `maxmemory-policy noeviction`) could be set lower by a poll meanwhile; the device's
  next snapshot miss, within `SNAPSHOT_SECONDS`, reads the database and raises it to the truth. The same bounds a
  message posted by a process that does not raise the key (an older version, during a rolling upgrade).

- `poll:page:{customer}:{API version}:{device type}`: the latest page (`GET messages`) as the apps get it, for
  `PAGE_SECONDS`, tagged with the customer's newest message id and timeline generation it was read under.
  `poll:generation:{customer}` is renewed after the commit of every change to the customer's messages that is not
  a new message (statuses, merges). A page is stored only when it holds the newest message id read *before* the
  database was (messages of one customer commit in id order: participants_lock), and served only while both tags
  still hold. An agent's new name or avatar in older messages may lag by at most `PAGE_SECONDS`.

With Redis one Lua script reads all of it together with the quota counter and the typing state: one round trip.
The script builds the keys of the customer and the conversation from the snapshot it reads, which a single Redis
server (not Redis Cluster, which Django's cache does not support either) allows.

With a cache that is not shared between processes (local memory), a key raised in one process is not seen by
another: the cache path is then on only where `EMPTY_POLL_FROM_CACHE` says so (one process: runserver, tests).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

from conversations.typing import AgentTyping, agent_typing_key, agent_typing_of
from devices.models import Device
from messenger_project.cache import (
    UNREACHABLE,
    CacheUnavailable,
    RedisCache,
    counter_add,
    hashed,
    unreachable_warn,
)

logger = logging.getLogger(__name__)

SNAPSHOT_SECONDS = 30
NEWEST_SECONDS = 120
PAGE_SECONDS = 60  # below NEWEST_SECONDS: a page never outlives the keys it is checked against
SNAPSHOT_PREFIX = "poll:device:"
NEWEST_PREFIX = "poll:newest:"
PAGE_PREFIX = "poll:page:1:"  # the page format's version: a deploy that changes it starts afresh
GENERATION_PREFIX = "poll:generation:"

_local_lock = threading.Lock()  # `newest_ids_raise` on a cache without scripts: atomic within the process


@dataclass(frozen=True)
class PollSnapshot:
    device_pk: int
    customer_id: int
    registered: bool
    fk_id: str
    conversation_id: int | None
    assignee: dict[str, Any] | None  # the agent object of the assignee, `isTyping` aside
    device_type: int | None

    def dumps(self) -> bytes:
        # `c`, `v` and `t`: the Lua script builds the customer's, the conversation's and the page's keys from them.
        # Strings: Lua would write a large number in exponent form.
        data = asdict(self)
        customer_id, conversation_id = data.pop("customer_id"), data.pop("conversation_id")
        data["c"], data["v"] = str(customer_id), (None if conversation_id is None else str(conversation_id))
        data["t"] = str(data["device_type"])
        return orjson.dumps(data)

    @classmethod
    def loads(cls, raw: bytes | None) -> PollSnapshot | None:
        if not raw:
            return None
        try:
            data = orjson.loads(raw)
            conversation_id = data.pop("v")
            data.pop("t")
            return cls(
                customer_id=int(data.pop("c")),
                conversation_id=None if conversation_id is None else int(conversation_id),
                **data,
            )
        except (orjson.JSONDecodeError, TypeError, KeyError, ValueError):  # written by another version: a miss
            return None


@dataclass(frozen=True)
class CachedPage:
    """The latest page's `data` as the apps get it, with what the envelope's paging needs and its tags."""

    newest: int  # the customer's newest message id when it was read: the page's own newest
    generation: int
    has_older: bool
    oldest_id: int | None  # the page's oldest message id (None: no message)
    data: bytes  # the JSON array

    def dumps(self) -> bytes:
        header = {"n": self.newest, "g": self.generation, "o": self.has_older, "l": self.oldest_id}
        return orjson.dumps(header) + b"\n" + self.data  # orjson escapes newlines: the first one ends the header

    @classmethod
    def loads(cls, raw: bytes | None) -> CachedPage | None:
        if not raw or b"\n" not in raw:
            return None
        header, data = raw.split(b"\n", 1)
        try:
            tags = orjson.loads(header)
            return cls(newest=tags["n"], generation=tags["g"], has_older=tags["o"], oldest_id=tags["l"], data=data)
        except (orjson.JSONDecodeError, TypeError, KeyError):
            return None


@dataclass(frozen=True)
class PollRead:
    used: int  # the device's quota counter, this request counted
    snapshot: PollSnapshot | None
    newest: int | None  # the customer's newest message id, None when unknown
    typing: AgentTyping | None  # who types in the snapshot's conversation
    token_customer_id: str | None  # the cached customer id of the Authorization token, None when not cached
    page: CachedPage | None = None  # with `page_version` asked: the cached latest page
    generation: int = 0  # with `page_version` asked: the customer's timeline generation

    def page_current(self) -> CachedPage | None:
        """The cached latest page if it still shows the customer's timeline."""
        page = self.page
        if page is None or page.newest != self.newest or page.generation != self.generation:
            return None
        return page


def _shared():
    return caches["default"]


def enabled() -> bool:
    """On where the setting says so and the cache can raise a newest id atomically: Redis (its scripts), or local
    memory within the one process it serves (tests, runserver). Never memcached or a database cache, where two
    processes raising at once could leave the lower id."""
    return settings.EMPTY_POLL_FROM_CACHE and isinstance(_shared(), RedisCache | LocMemCache)


def snapshot_key(*, account_id: int, device_id: str) -> str:
    return f"{SNAPSHOT_PREFIX}{account_id}:{hashed(device_id)}"


def newest_key(customer_id: int) -> str:
    return f"{NEWEST_PREFIX}{customer_id}"


def page_key(*, customer_id: int, version: str, device_type: int | None) -> str:
    return f"{PAGE_PREFIX}{customer_id}:{version}:{device_type}"


def generation_key(customer_id: int) -> str:
    return f"{GENERATION_PREFIX}{customer_id}"


def caller_remember(*, device: Device, newest_message_id: int | None, assignee: dict[str, Any] | None) -> None:
    """After a poll read the database: the caller's snapshot, and the customer's newest message id as the database
    said it (a raise: it never lowers what a post wrote meanwhile). `device` with its customer and the customer's
    current conversation loaded (`caller_identify`); `assignee`: the agent object of its assignee."""
    newest_ids_raise({device.customer_id: newest_message_id or 0})
    snapshot_remember(device=device, assignee=assignee)


def snapshot_remember(*, device: Device, assignee: dict[str, Any] | None) -> None:
    """The caller's snapshot, after its device was read from the database (`caller_identify`); see
    `caller_remember`."""
    customer = device.customer
    snapshot_store(
        account_id=device.account_id,
        device_id=device.device_id,
        snapshot=PollSnapshot(
            device_pk=device.pk,
            customer_id=customer.pk,
            registered=customer.registered,
            fk_id=customer.fk_id,
            conversation_id=customer.current_conversation_id,
            assignee=assignee,
            device_type=device.device_type,
        ),
    )


def page_remember(
    read: PollRead | None,
    *,
    device: Device,
    version: str,
    message_ids: list[int],
    has_older: bool,
    data: bytes,
) -> None:
    """The latest page just read from the database, stored under what `read` (the cache, read before the database)
    said: only when the page holds that newest message id, since then every message up to it was committed."""
    if read is None or read.newest is None or read.newest != (max(message_ids) if message_ids else 0):
        return
    page_store(
        customer_id=device.customer_id,
        version=version,
        device_type=device.device_type,
        page=CachedPage(
            newest=read.newest,
            generation=read.generation,
            has_older=has_older,
            oldest_id=min(message_ids) if message_ids else None,
            data=data,
        ),
    )


def snapshot_store(*, account_id: int, device_id: str, snapshot: PollSnapshot) -> None:
    _store(snapshot_key(account_id=account_id, device_id=device_id), snapshot.dumps(), SNAPSHOT_SECONDS)


def page_store(*, customer_id: int, version: str, device_type: int | None, page: CachedPage) -> None:
    _store(page_key(customer_id=customer_id, version=version, device_type=device_type), page.dumps(), PAGE_SECONDS)


def _store(key: str, value: bytes, timeout: int) -> None:
    """Bytes as they are in Redis (the script decodes the JSON), or as any value elsewhere. With Redis unreachable,
    nothing is stored (logged): what was not stored is read from the database."""
    cache = _shared()
    if isinstance(cache, RedisCache):
        try:
            cache.set_raw(key, value, timeout)
        except (CacheUnavailable, *UNREACHABLE) as error:
            unreachable_warn(f"{key.split(':', 2)[1]} not stored", error)
    else:
        cache.set(key, value, timeout)


def timeline_changed(*, customer_ids: list[int]) -> None:
    """The customers' messages changed otherwise than by a new message: their cached pages go stale. After the
    commit (a page read meanwhile would otherwise be stored under the new generation)."""
    if customer_ids:
        transaction.on_commit(partial(_generations_renew, list(customer_ids)))


def _generations_renew(customer_ids: list[int]) -> None:
    # A value never used before (not a counter, which would start again at 1 after expiring and could meet an old
    # page's tag); it lives longer than any page read under the generation before it.
    generation = time.time_ns()
    after_commit(lambda: _shared().set_many({generation_key(c): generation for c in customer_ids}, NEWEST_SECONDS))


def after_commit(write: Callable[[], object]) -> None:
    """A cache write after a commit: the change is made, so a failure is logged, not raised (the request that made
    it must not fail). What is left stale expires: a page within PAGE_SECONDS, a snapshot within SNAPSHOT_SECONDS."""
    try:
        write()
    except Exception:  # noqa: BLE001  (any cache failure: see above)
        logger.exception("cache write after commit failed")


def snapshots_forget(*, account_id: int, device_ids: list[str]) -> None:
    """Forget these devices' snapshots now, and again after the commit: a poll in between may have cached the old
    state again."""
    if not device_ids:
        return
    forget = partial(_snapshots_delete, account_id, list(device_ids))
    forget()
    transaction.on_commit(partial(after_commit, forget))


def conversation_snapshots_forget(*, account_id: int, conversation_id: int) -> None:
    """The snapshots of the devices of the conversation's customers, which show its assignee (`agent` of each poll):
    forgotten at an assignment, so that the apps show it at once rather than within `SNAPSHOT_SECONDS`."""
    device_ids = Device.objects.filter(customer__participations__conversation_id=conversation_id).values_list(
        "device_id", flat=True
    )
    snapshots_forget(account_id=account_id, device_ids=list(device_ids))


def _snapshots_delete(account_id: int, device_ids: list[str]) -> None:
    _shared().delete_many([snapshot_key(account_id=account_id, device_id=d) for d in device_ids])


# Raise each of the first ARGV[2] keys, KEYS[i], to ARGV[i + 2] unless it holds more; either way it lives ARGV[1]
# seconds from now. Then delete the other keys; returns how many of them there were.
NEWEST_RAISE = """
    local raised = tonumber(ARGV[2])
    for i = 1, raised do
        local current = tonumber(redis.call('GET', KEYS[i]))
        if current == nil or current < tonumber(ARGV[i + 2]) then
            redis.call('SET', KEYS[i], ARGV[i + 2], 'EX', ARGV[1])
        else
            redis.call('EXPIRE', KEYS[i], ARGV[1])
        end
    end
    local deleted = 0
    for i = raised + 1, #KEYS do deleted = deleted + redis.call('DEL', KEYS[i]) end
    return deleted
"""


def newest_ids_raise(newest: dict[int, int], *, delete: Sequence[str] = ()) -> int:
    """Each customer (key) now has a message with the id given for them: call it before the write commits (see the
    module); one round trip for all. `delete`: other keys to delete in the same round trip; returns how many of them
    there were. With the cache unreachable it logs a warning and returns 0: the write goes on."""
    if not newest and not delete:
        return 0
    keys, cache = {newest_key(c): m for c, m in newest.items()}, _shared()
    if isinstance(cache, RedisCache):
        try:
            return cache.script(NEWEST_RAISE, [*keys, *delete], [NEWEST_SECONDS, len(keys), *keys.values()])
        except CacheUnavailable as error:
            # The write goes on: polls that cannot reach the cache read the database; a key left lower by the outage
            # is bounded as a lost key is (the module's docstring).
            unreachable_warn("newest message ids not raised", error)
            return 0
    with _local_lock:
        current = cache.get_many(list(keys))
        cache.set_many({k: max(m, current.get(k) or 0) for k, m in keys.items()}, NEWEST_SECONDS)
    return sum(cache.delete(key) for key in delete)


# KEYS: the quota counter, the snapshot, and the token's customer id if any. ARGV: the counter's life; the full
# key prefixes of the newest message id and of the agent typing state; then, for the latest page, the prefixes of
# the page and of the generation and the API version ('' when no page is wanted). Missing values come back false.
POLL_READ = """
    local used = redis.call('INCR', KEYS[1])
    if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    local out = {used, false, false, false, false, false, false}
    if KEYS[3] then out[5] = redis.call('GET', KEYS[3]) end
    local raw = redis.call('GET', KEYS[2])
    if raw then
        local ok, snapshot = pcall(cjson.decode, raw)
        if ok and type(snapshot) == 'table' and type(snapshot.c) == 'string' and type(snapshot.t) == 'string' then
            out[2] = raw
            out[3] = redis.call('GET', ARGV[2] .. snapshot.c)
            if snapshot.v ~= cjson.null then out[4] = redis.call('GET', ARGV[3] .. snapshot.v) end
            if ARGV[6] ~= '' then
                out[6] = redis.call('GET', ARGV[4] .. snapshot.c .. ':' .. ARGV[6] .. ':' .. snapshot.t)
                out[7] = redis.call('GET', ARGV[5] .. snapshot.c)
            end
        end
    end
    return out
"""


def poll_read(
    *,
    quota_key: str,
    quota_timeout: int,
    account_id: int,
    device_id: str,
    token_key: str | None,
    page_version: str | None = None,
) -> PollRead:
    """Count the request against the quota and read what an empty poll needs, and with `page_version` the cached
    latest page of that API version: one round trip with Redis."""
    device_key, cache = snapshot_key(account_id=account_id, device_id=device_id), _shared()
    if isinstance(cache, RedisCache):
        keys = [quota_key, device_key, *([token_key] if token_key else [])]
        args = [
            quota_timeout,
            cache.make_key(NEWEST_PREFIX),
            cache.make_key(agent_typing_key("")),
            cache.make_key(PAGE_PREFIX),
            cache.make_key(GENERATION_PREFIX),
            page_version or "",
        ]
        used, raw, newest, typing, token, page, generation = (*cache.script(POLL_READ, keys, args), *[None] * 7)[:7]
        return PollRead(
            used=used,
            snapshot=PollSnapshot.loads(raw),
            newest=int(newest) if newest else None,
            typing=agent_typing_of(cache.loads(typing)),
            token_customer_id=cache.loads(token),
            page=CachedPage.loads(page),
            generation=int(generation) if generation else 0,
        )
    used, found = counter_add(quota_key, 1, quota_timeout, read=(device_key, *([token_key] if token_key else [])))
    snapshot = PollSnapshot.loads(found[device_key])
    newest = typing = page = None
    generation = 0
    if snapshot is not None:
        newest = cache.get(newest_key(snapshot.customer_id))
        if snapshot.conversation_id is not None:
            typing = agent_typing_of(cache.get(agent_typing_key(snapshot.conversation_id)))
        if page_version:
            key = page_key(customer_id=snapshot.customer_id, version=page_version, device_type=snapshot.device_type)
            page = CachedPage.loads(cache.get(key))
            generation = cache.get(generation_key(snapshot.customer_id)) or 0
    return PollRead(
        used=used,
        snapshot=snapshot,
        newest=newest,
        typing=typing,
        token_customer_id=found[token_key] if token_key else None,
        page=page,
        generation=generation,
    )
