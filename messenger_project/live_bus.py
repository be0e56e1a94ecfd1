"""The live bus: events published after a commit, fanned out to the event streams open in every process.

An event is a JSON object with `topics` (strings such as `account:3` or `customer:17`) saying who may hear it; a
stream subscribes to its topics in its process's `Hub`. With `LIVE_BUS_URL` (Redis; `REDIS_URL` by default) one
pub/sub channel carries every event to every process's hub, so any number of web and stream processes run behind
a load balancer. Without it the bus is in-process: `make run` serves the pages, the APIs and the streams from one
process. The bus is not a store: a stream that loses it ends, and its client resumes from the database.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import orjson
import redis
import redis.asyncio
from django.conf import settings

logger = logging.getLogger("messenger.live")

QUEUE_SIZE = 1000  # events waiting for one slow stream; beyond, the stream ends and its client resumes
RECONNECT_SECONDS = (0.5, 1, 2, 5)
RETRY_SECONDS = 5  # after a failed publish, how long events are dropped without trying
LOST = None  # what a subscription receives when the bus is lost: the stream ends, its client resumes


def _channel() -> str:
    return settings.LIVE_BUS_CHANNEL


# --- publishing (any thread, sync) --------------------------------------------------------------------------------

_publisher: list[redis.Redis] = []
_publisher_lock = threading.Lock()


def _redis_publisher() -> redis.Redis:
    with _publisher_lock:
        if not _publisher:
            _publisher.append(
                redis.Redis.from_url(
                    settings.LIVE_BUS_URL,
                    socket_connect_timeout=settings.LIVE_BUS_CONNECT_TIMEOUT,
                    socket_timeout=settings.LIVE_BUS_TIMEOUT,
                )
            )
        return _publisher[0]


_failed_at = [float("-inf")]


def publish(event: dict[str, Any]) -> None:
    """Send an event to every stream subscribed to one of its topics, in any process. Never raises: the change it
    tells of is committed, and a stream that misses it catches up from the database when its client resumes.
    After a failure the bus is left alone for RETRY_SECONDS: no request waits for an unreachable Redis (its streams
    have ended anyway, and their clients poll)."""
    data = orjson.dumps(event)
    if not settings.LIVE_BUS_URL:
        for hub in list(_hubs.values()):
            hub.deliver_threadsafe(data)
        return
    if time.monotonic() - _failed_at[0] < RETRY_SECONDS:
        return
    try:
        _redis_publisher().publish(_channel(), data)
    except redis.RedisError as error:
        _failed_at[0] = time.monotonic()
        logger.warning("live bus unreachable (%s): events are not published for %s s", error, RETRY_SECONDS)


# --- subscribing (a stream process's event loop) -------------------------------------------------------------------


class Subscription:
    """The events of some topics, in the order published; `LOST` when the bus was lost or this stream fell behind."""

    def __init__(self, hub: Hub, topics: frozenset[str]):
        self.hub, self.topics = hub, topics
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue(QUEUE_SIZE)

    def put(self, event: dict | None) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:  # a stream this far behind starts again from the database
            self.hub.unsubscribe(self)
            self.queue.get_nowait()
            self.queue.put_nowait(LOST)

    async def get(self, timeout: float) -> dict | None:
        """The next event; raises TimeoutError when none came within `timeout` seconds."""
        return await asyncio.wait_for(self.queue.get(), timeout)

    def close(self) -> None:
        self.hub.unsubscribe(self)


class Hub:
    """One per event loop: the subscriptions of the streams this process serves, indexed by topic."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.by_topic: dict[str, set[Subscription]] = {}
        self.connected = asyncio.Event()
        self._reader: asyncio.Task | None = None
        if not settings.LIVE_BUS_URL:
            self.connected.set()

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, frozenset(topics))
        for topic in subscription.topics:
            self.by_topic.setdefault(topic, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for topic in subscription.topics:
            subscribers = self.by_topic.get(topic)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self.by_topic[topic]

    def deliver(self, data: bytes) -> None:
        """An event from the bus to each subscription of one of its topics (once, however many it shares)."""
        event = orjson.loads(data)
        reached: set[Subscription] = set()
        for topic in event.get("topics", ()):
            reached.update(self.by_topic.get(topic, ()))
        for subscription in reached:
            subscription.put(event)

    def deliver_threadsafe(self, data: bytes) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.deliver, data)

    def lose_all(self) -> None:
        """The bus was lost: every stream ends (its client resumes from the database, or polls meanwhile)."""
        subscriptions = {s for subscribers in self.by_topic.values() for s in subscribers}
        self.by_topic.clear()
        for subscription in subscriptions:
            if subscription.queue.full():
                subscription.queue.get_nowait()
            subscription.queue.put_nowait(LOST)

    async def ready(self, timeout: float) -> bool:
        """Whether the bus is connected (waiting up to `timeout` seconds for it); starts the reader on first use."""
        if settings.LIVE_BUS_URL and self._reader is None:
            self._reader = self.loop.create_task(self._read())
        if self.connected.is_set():
            return True
        try:
            await asyncio.wait_for(self.connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _read(self) -> None:
        """Read the Redis channel for as long as the process lives, reconnecting with a back-off."""
        attempt = 0
        while True:
            client = redis.asyncio.Redis.from_url(
                settings.LIVE_BUS_URL, socket_connect_timeout=settings.LIVE_BUS_CONNECT_TIMEOUT
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(_channel())
                self.connected.set()
                attempt = 0
                while True:
                    message = await pubsub.get_message(timeout=30)
                    if message is not None and message["type"] == "message":
                        self.deliver(message["data"])
            except (redis.RedisError, OSError) as error:
                if self.connected.is_set():
                    logger.warning("live bus lost (%s): open streams end and their clients resume", error)
                self.connected.clear()
                self.lose_all()
            finally:
                try:
                    await pubsub.aclose()
                    await client.aclose()
                except (redis.RedisError, OSError):
                    pass
            await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for closed in [other for other in _hubs if other.is_closed()]:
            del _hubs[closed]
        found = _hubs[loop] = Hub(loop)
    return found
