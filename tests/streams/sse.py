"""Test helpers of the event streams: the ASGI application served by uvicorn on 127.0.0.1 in a thread of the test
process (the test database and the in-process bus are shared with the test), and a reader of server-sent events."""

from __future__ import annotations

import asyncio
import http.client
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn


class StreamServer:
    """`messenger_project.asgi:application` (streams and pages) in uvicorn, on its own event loop and thread."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            "messenger_project.asgi:application", host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="stream-server", daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StreamServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the stream server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True  # open streams would otherwise hold the shutdown
        self.thread.join(10)


@dataclass
class Event:
    event: str
    data: object
    id: int | None = None


class SSE:
    """One open stream, read by a thread of its own: `next()` gives the next event (comments and `retry:` skipped),
    waiting at most `timeout` seconds (a timeout leaves the stream usable)."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection):
        self.response, self.connection = response, connection
        self.last_id: int | None = None
        self.seen: list[Event] = []
        self.events: queue.Queue[Event | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            while line := self.response.readline():
                line = line.decode().rstrip("\r\n")
                if line == "":
                    if "event" in fields or "data" in fields:
                        event = Event(fields.get("event", "message"), json.loads(fields.get("data", "null")))
                        event.id = int(fields["id"]) if "id" in fields else None
                        self.events.put(event)
                    fields = {}
                elif not (line.startswith(":") or line.startswith("retry:")):
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except Exception:  # noqa: BLE001  (the connection closed under the reader: the stream ended)
            pass
        self.events.put(None)  # the end

    def next(self, timeout: float = 5.0) -> Event:
        try:
            event = self.events.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no event within {timeout} s") from None
        if event is None:
            self.events.put(None)
            raise EOFError("the stream ended")
        if event.id is not None:
            self.last_id = event.id
        self.seen.append(event)
        return event

    def next_of(self, kind: str, timeout: float = 5.0) -> Event:
        """The next event of this kind (others read and kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.05, deadline - time.monotonic()))
            if event.event == kind:
                return event

    def nothing(self, seconds: float = 0.5) -> bool:
        """True when no event comes within `seconds`."""
        try:
            event = self.next(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected event {event}")

    def close(self) -> None:
        self.connection.close()


def open_stream(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, SSE | dict]:
    """GET a stream: (200, the open stream) or (status, the JSON body of the refusal)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    if response.status != 200:
        body = json.loads(response.read() or b"null")
        connection.close()
        return response.status, body
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    return 200, SSE(response, connection)


def streams_cut() -> None:
    """Every open stream of this process ends, as when the live bus is lost; clients resume by themselves."""
    from messenger_project import live_bus

    for hub in list(live_bus._hubs.values()):
        hub.loop.call_soon_threadsafe(hub.lose_all)
