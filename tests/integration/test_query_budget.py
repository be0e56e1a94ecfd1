"""List endpoints and the message batch keep a flat number of SQL queries as rows grow (1 row, then 25)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.integration.helpers import FILE_TXT

pytestmark = pytest.mark.django_db


def queries_of(request: Callable) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code in (200, 201), response.content
    return len(captured)


def test_conversation_list_is_flat(api, make_conversation, say):
    def grow_to(total: int) -> None:
        for n in range(api.account.conversations.count(), total):
            make_conversation(f"c{n}", participants=[f"user{n}", "shared"])
            say(f"c{n}", "shared")
        assert api.get("/api/v2/conversations").json()["page"]["totalElements"] == total

    grow_to(1)
    api.get("/api/v2/conversations")
    with_one = queries_of(lambda: api.get("/api/v2/conversations"))
    grow_to(25)

    with_many = queries_of(lambda: api.get("/api/v2/conversations"))

    assert with_many == with_one


@pytest.fixture
def bot_conversation(bot_api, make_conversation) -> Callable[[int], None]:
    """Conversation `c1`, grown to `total` bot messages (each with an attachment), one thread each."""
    make_conversation("c1")

    def grow_to(total: int) -> None:
        for _ in range(api_messages(bot_api), total):
            bot_api.post("/api/v2/conversations/c1/messages", {"text": "Reply", "attachments": [FILE_TXT]})
            bot_api.patch("/api/v2/conversations/c1", {"status": "closed"})
        assert api_messages(bot_api) == total

    return grow_to


def api_messages(api) -> int:
    """How many messages `c1` holds, read through the API."""
    return len(api.get("/api/v2/conversations/c1/messages", {"limit": "100"}).json()["_embedded"]["messages"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/conversations/c1/messages?limit=100",
        "/api/v2/conversations/c1/threads",
        "{v1}/conversations/c1/messages?limit=100",
    ],
    ids=["v2-messages", "v2-threads", "v1-messages"],
)
def test_conversation_lists_are_flat(bot_api, bot_conversation, path):
    url = path.format(v1=bot_api.v1("").rstrip("/"))
    bot_conversation(1)
    bot_api.get(url)
    with_one = queries_of(lambda: bot_api.get(url))
    bot_conversation(25)

    with_many = queries_of(lambda: bot_api.get(url))

    assert with_many == with_one


@pytest.mark.parametrize("grows", ["participants", "history"])
def test_message_batch_is_flat_in_participants_and_history(api, make_conversation, say, grows):
    """A batch of 3 into a conversation with 2 participants and 1 message, then with 24 more of either.

    (Two from the start: the other participant's devices are looked up for pushes, once per message.)"""

    def batch():
        items = [{"type": "UserMessage", "sender": "alice", "text": f"m{n}"} for n in range(3)]
        return api.post(api.v1("conversations/c1/messages"), items)

    make_conversation("c1", participants=["alice", "bob"])
    say("c1")
    with_one = queries_of(batch)
    if grows == "participants":
        make_conversation("c1", participants=[f"user{n}" for n in range(24)])
    else:
        for chunk in range(3):
            say("c1", "alice", *[f"old {chunk}.{n}" for n in range(8)])

    with_many = queries_of(batch)

    assert with_many == with_one
