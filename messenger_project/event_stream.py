"""Server-sent event streams: their frames, the loop that feeds one from the live bus, and the ASGI handler that
serves them without a thread per open stream.

A stream subscribes to its topics first, then sends what its client missed (read from the database), then the
live events, each turned into frames by its `StreamSource`; a comment line every HEARTBEAT_SECONDS keeps proxies
from closing it. It ends after LIFETIME_SECONDS, when the bus is lost or when it falls too far behind: the client
resumes with the last id it saw (`Last-Event-ID`), and nothing is missed or sent twice.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import orjson
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler, ASGIRequest
from django.db import DatabaseError, close_old_connections
from django.http import StreamingHttpResponse

from messenger_project import live_bus
from messenger_project.numbers import MAX_ID, is_digits

HEARTBEAT_SECONDS = 15
LIFETIME_SECONDS = 3600  # then the client resumes, on whichever stream process the balancer picks
RETRY_MILLISECONDS = 2000  # the browser's reconnection delay
BUS_WAIT_SECONDS = 2.0  # how long a new stream waits for a bus being (re)connected before answering 503

logger = logging.getLogger("messenger.live")

T = TypeVar("T")


@dataclass(frozen=True)
class Frame:
    """One server-sent event: `data` as one line of JSON; `id` on events a client resumes from."""

    event: str
    data: Any
    id: int | None = None

    def encode(self) -> bytes:
        head = f"id: {self.id}\n" if self.id is not None else ""
        return f"{head}event: {self.event}\ndata: ".encode() + orjson.dumps(self.data) + b"\n\n"


class StreamSource(Protocol):
    """What one stream sends: its topics on the bus, what its client missed, and the frames of each live event."""

    topics: frozenset[str]

    async def catch_up(self) -> list[Frame]: ...

    async def frames(self, event: dict) -> list[Frame] | None:
        """The frames of a live event; None ends the stream (its client then reconnects, and is checked again)."""


def last_event_id(request) -> int | None:
    """Where the client resumes: the `Last-Event-ID` header (EventSource sends it), else `?lastEventId=`; None: a
    new client (or an id that is not one), which starts from now."""
    value = (request.headers.get("Last-Event-ID") or request.GET.get("lastEventId") or "").strip()
    return min(int(value), MAX_ID) if is_digits(value) else None


_thread = threading.local()


def _thread_context() -> contextvars.Context:
    """The context a pool thread runs streams' database work in, kept for the thread's life. Django keeps its cache
    clients per context (its database connections per thread): run in each stream's own context, the work would
    give every open stream a cache client and a Redis connection of its own, for the stream's life (measured:
    ~89 KB and one file descriptor a stream)."""
    context = getattr(_thread, "context", None)
    if context is None:
        context = _thread.context = contextvars.Context()
    return context


async def database(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Database work of a stream, off the event loop in the shared thread pool (never a thread per stream); the
    connection is checked before and after, as a request's would be."""

    def run() -> T:
        return _thread_context().run(checked)

    def checked() -> T:
        close_old_connections()
        try:
            return work(*args, **kwargs)
        finally:
            close_old_connections()

    return await sync_to_async(run, thread_sensitive=False)()


def wrong_process(request) -> str | None:
    """Why this process does not serve streams, or None: a WSGI process (a proxy that sent `/stream/` to the API
    processes) would hold a worker for the stream's life. The client polls, and tries the stream again later."""
    return None if isinstance(request, ASGIRequest) else "streams are served by the stream process (ASGI), not here"


async def bus_unreachable() -> str | None:
    """Why no live event would come now, or None (the client polls meanwhile, and tries again later)."""
    return None if await live_bus.hub().ready(BUS_WAIT_SECONDS) else "the live bus is unreachable"


def event_stream_response(source: StreamSource) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_stream(source), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


async def _stream(source: StreamSource) -> AsyncIterator[bytes]:
    subscription = live_bus.hub().subscribe(source.topics)  # before the catch-up: nothing falls in between
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
        for frame in await source.catch_up():
            yield frame.encode()
        loop = subscription.hub.loop
        deadline = loop.time() + LIFETIME_SECONDS
        while loop.time() < deadline:
            try:
                event = await subscription.get(HEARTBEAT_SECONDS)
            except TimeoutError:
                yield b": ping\n\n"
                continue
            if event is live_bus.LOST:
                return
            frames = await source.frames(event)
            if frames is None:
                return
            for frame in frames:
                yield frame.encode()
    except DatabaseError as error:  # the client resumes from the last id it saw (or polls while it cannot)
        logger.warning("an event stream ended on a database error: %s", error)
    finally:
        subscription.close()


class StreamHandler(ASGIHandler):
    """Django's ASGI handler for the streams: the same middleware and views, but without the thread that Django
    gives each request's synchronous parts for its whole life (thousands of open streams would hold thousands of
    idle threads). Synchronous middleware shares one thread; a stream's queries run in the shared pool
    (`database`)."""

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Streams are served over HTTP, not {scope['type']}.")
        await self.handle(scope, receive, send)
