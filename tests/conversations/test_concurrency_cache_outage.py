"""No message may be missed by a polling client across a cache outage that starts and ends during the run: the
concurrency test of `test_concurrency.py` (8 writers x 4 pollers x 1,600 messages) through the client API, with
Redis reached through a TCP proxy that this test cuts and restores mid-run."""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from tests.conversations.test_concurrency import (
    MAX_DELAY_SECONDS,
    POLLERS,
    TOTAL,
    WRITERS,
    _client_api_fetch,
    _poll,
    _write,
)
from tests.factories import make_agent, make_conversation, make_customer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (SQLite serialises writers); runs in CI with DATABASE_URL",
    ),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real Redis to cut off (REDIS_URL); runs in CI"),
]


class RedisProxy:
    """Forwards 127.0.0.1:`port` to Redis in one thread. `cut()` closes every connection and refuses new ones
    (accepted, then closed at once) until `restore()`."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0  # connections forwarded
        self._up = True
        self._cut = threading.Event()
        self._cut_done = threading.Event()
        self._stop = False
        self._peers: dict[socket.socket, socket.socket] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.listener, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def cut(self) -> None:
        self._up = False
        self._cut_done.clear()
        self._cut.set()
        assert self._cut_done.wait(timeout=5)

    def restore(self) -> None:
        self._up = True

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=5)
        self._close_all()
        self.listener.close()

    def _run(self) -> None:
        while not self._stop:
            if self._cut.is_set():
                self._close_all()
                self._cut.clear()
                self._cut_done.set()
            for key, _ in self._selector.select(timeout=0.02):
                sock = key.fileobj
                if sock is self.listener:
                    self._accept()
                elif sock in self._peers:
                    self._forward(sock)

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        if not self._up:
            client.close()
            return
        upstream = socket.create_connection(self.upstream)
        self._peers[client], self._peers[upstream] = upstream, client
        for sock in (client, upstream):
            self._selector.register(sock, selectors.EVENT_READ)
        self.accepted += 1

    def _forward(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
            if data:
                self._peers[sock].sendall(data)
                return
        except OSError:
            pass
        self._close_pair(sock)

    def _close_pair(self, sock: socket.socket) -> None:
        other = self._peers.pop(sock, None)
        for each in (sock, other):
            if each is None:
                continue
            self._peers.pop(each, None)
            self._selector.unregister(each)
            each.close()

    def _close_all(self) -> None:
        for sock in list(self._peers):
            if sock in self._peers:
                self._close_pair(sock)


@pytest.fixture
def proxied_redis():
    real = urlsplit(settings.REDIS_URL)
    proxy = RedisProxy((real.hostname or "127.0.0.1", real.port or 6379))
    through = {**settings.CACHES["default"], "LOCATION": real._replace(netloc=f"127.0.0.1:{proxy.port}").geturl()}
    try:
        with override_settings(CACHES={**settings.CACHES, "default": through}):
            yield proxy
    finally:
        proxy.close()


def test_pollers_see_every_message_once_and_in_order_across_a_cache_outage(account, proxied_redis, caplog):
    account.device_quota_limit = 1_000_000
    account.save()
    customer = make_customer(account=account)
    writers = [
        (make_conversation(account=account, customers=[customer]), make_agent(account=account)) for _ in range(WRITERS)
    ]
    start = threading.Barrier(WRITERS + POLLERS + 1)
    committed: dict[int, float] = {}
    times: dict[str, float] = {}

    def outage() -> None:
        """Cut Redis once a quarter of the messages is committed, restore it at half."""
        start.wait(timeout=30)
        for name, share in (("cut", TOTAL // 4), ("restored", TOTAL // 2)):
            while len(committed) < share:
                time.sleep(0.005)
            (proxied_redis.cut if name == "cut" else proxied_redis.restore)()
            times[name], times[f"accepted when {name}"] = time.monotonic(), proxied_redis.accepted

    with (
        caplog.at_level(logging.WARNING, logger="messenger.cache"),
        ThreadPoolExecutor(max_workers=WRITERS + POLLERS + 1) as pool,
    ):
        switch = pool.submit(outage)
        polls = [pool.submit(_poll, fetch=_client_api_fetch(customer), start=start) for _ in range(POLLERS)]
        writes = [pool.submit(_write, conversation=c, agent=a, start=start, committed=committed) for c, a in writers]
        written = sorted(message_id for write in writes for message_id in write.result())
        seen_by_pollers = [poll.result() for poll in polls]
        switch.result()

    during = [m for m in written if times["cut"] < committed[m] < times["restored"]]
    after = [m for m in written if committed[m] > times["restored"]]
    assert during and after  # the outage started and ended while messages were written
    assert times["accepted when cut"] > 0  # Redis was used before the outage
    assert proxied_redis.accepted > times["accepted when restored"]  # and again after it
    assert any("cache unreachable" in r.getMessage() for r in caplog.records if r.name == "messenger.cache")
    assert len(set(written)) == TOTAL
    for seen, seen_at in seen_by_pollers:
        assert seen == written  # all of them, each once, strictly increasing in the order seen
        assert max(seen_at[m] - committed[m] for m in written) < MAX_DELAY_SECONDS
