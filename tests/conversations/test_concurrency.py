"""No message may be missed by a polling client (design.md): concurrent writers, pollers reading `after:LAST`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.test import Client

from conversations.services import message_post
from conversations.timeline import timeline_page
from tests.factories import make_agent, make_conversation, make_customer, make_device

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (SQLite serialises writers); runs in CI with DATABASE_URL",
    ),
]

WRITERS = 8
MESSAGES_PER_WRITER = 200
POLLERS = 4
TOTAL = WRITERS * MESSAGES_PER_WRITER
DEADLINE_SECONDS = 120
POLL_INTERVAL_SECONDS = 0.01  # as a client would; polling flat out starves the writers (GIL) and triples the time


MAX_DELAY_SECONDS = 10  # from a message's commit to the first poll that shows it (a cache hiding it: 30 s and more)


def _write(*, conversation, agent, start: threading.Barrier, committed: dict[int, float]) -> list[int]:
    """Post the messages; `committed[id]`: when each post had committed (message_post returned)."""
    try:
        start.wait(timeout=30)
        ids = []
        for n in range(MESSAGES_PER_WRITER):
            ids.append(message_post(conversation=conversation, author=agent, text=f"{agent.pk}/{n}").pk)
            committed[ids[-1]] = time.monotonic()
        return ids
    finally:
        connection.close()


def _poll(*, fetch: Callable[[int], list[int]], start: threading.Barrier) -> tuple[list[int], dict[int, float]]:
    """Poll `after=last_seen` until every message is seen or the deadline passes: the ids in the order seen, and
    when each was first seen. `fetch(after)` gives a page's ids, newest first."""
    try:
        start.wait(timeout=30)
        deadline = time.monotonic() + DEADLINE_SECONDS
        seen: list[int] = []
        seen_at: dict[int, float] = {}
        while len(seen) < TOTAL and time.monotonic() < deadline:
            page = list(reversed(fetch(seen[-1] if seen else 0)))  # read a page oldest first
            now = time.monotonic()
            seen.extend(page)
            seen_at.update((message_id, now) for message_id in page)
            time.sleep(POLL_INTERVAL_SECONDS)
        return seen, seen_at
    finally:
        connection.close()


def _timeline_fetch(customer) -> Callable[[int], list[int]]:
    return lambda after: timeline_page(customer=customer, after=after).message_ids


def _client_api_fetch(customer) -> Callable[[int], list[int]]:
    """Through the client API of an app of the customer's: empty polls are answered from the cache."""
    device, client = make_device(customer=customer), Client()
    headers = {"x-iris-identification": f"{customer.account.identification}:{device.device_id}"}

    def fetch(after: int) -> list[int]:
        response = client.get(f"/clientApi/v1.9/messages/after:{after}", headers=headers)
        assert response.status_code == 200, response.content
        return [message["id"] for message in response.json()["data"]]

    return fetch


@pytest.mark.parametrize("fetch", [_timeline_fetch, _client_api_fetch], ids=["timeline", "client-api"])
def test_pollers_see_every_message_once_and_in_increasing_order(account, fetch):
    account.device_quota_limit = 1_000_000
    account.save()
    customer = make_customer(account=account)
    writers = [
        (make_conversation(account=account, customers=[customer]), make_agent(account=account)) for _ in range(WRITERS)
    ]
    start = threading.Barrier(WRITERS + POLLERS)
    committed: dict[int, float] = {}

    with ThreadPoolExecutor(max_workers=WRITERS + POLLERS) as pool:
        polls = [pool.submit(_poll, fetch=fetch(customer), start=start) for _ in range(POLLERS)]
        writes = [pool.submit(_write, conversation=c, agent=a, start=start, committed=committed) for c, a in writers]
        written = sorted(message_id for write in writes for message_id in write.result())
        seen_by_pollers = [poll.result() for poll in polls]

    assert len(set(written)) == TOTAL
    for seen, seen_at in seen_by_pollers:
        assert len(seen) == TOTAL
        assert seen == written  # all of them, each once, strictly increasing in the order seen
        # And none late: the first poll after a message's commit shows it (it may show it before
        # message_post returned: the commit comes first).
        assert max(seen_at[m] - committed[m] for m in written) < MAX_DELAY_SECONDS


def test_a_post_does_not_wait_for_a_post_to_other_customers_of_the_account(account, agent):
    # design.md serialises message creation per recipient, not per account.
    held, elsewhere = (make_conversation(account=account, customers=[make_customer(account=account)]) for _ in "ab")
    posted, release = threading.Event(), threading.Event()

    def post_and_hold_the_transaction_open() -> None:
        try:
            with transaction.atomic():
                message_post(conversation=held, author=agent, text="held open")
                posted.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        holder = pool.submit(post_and_hold_the_transaction_open)
        assert posted.wait(timeout=30)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # fails with LockNotAvailable instead of waiting
                message = message_post(conversation=elsewhere, author=agent, text="not held up")
        finally:
            release.set()
            holder.result()

    assert list(elsewhere.messages.values_list("pk", flat=True)) == [message.pk]


def test_a_post_that_waited_for_the_lock_sees_the_thread_the_other_post_opened(account, agent):
    """Two posts into a conversation without an open thread: the second waits for the first's lock, then must read
    the thread it opened (read in the locking statement, PostgreSQL would show the threads from before the wait,
    and the second post would open a second thread and fail on the one-open-thread constraint)."""
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    posted, release = threading.Event(), threading.Event()

    def first() -> int:
        try:
            with transaction.atomic():
                message = message_post(conversation=conversation, author=agent, text="first")
                posted.set()
                release.wait(timeout=30)
            return message.thread_id
        finally:
            connection.close()

    def second() -> int:
        try:
            return message_post(conversation=conversation, author=customer, text="second").thread_id
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(first)
        assert posted.wait(timeout=30)
        waiter = pool.submit(second)
        time.sleep(0.5)  # let the second post queue on the conversation lock
        release.set()
        threads = {holder.result(), waiter.result()}

    assert len(threads) == 1
    assert conversation.threads.filter(status="open").count() == 1
