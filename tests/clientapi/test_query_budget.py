"""The hot paths (client API §6.3) keep a fixed number of SQL queries however long the history grows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import poll_state
from conversations.models import Message, Receipt
from tests.clientapi.helpers import customer_of

pytestmark = pytest.mark.django_db


def grow_history(app, agent, total: int) -> int:
    """Fill the app's conversation up to `total` messages, alternating agent and own ones; returns the last id."""
    customer = customer_of(app)
    conversation = customer.current_conversation
    existing = Message.objects.filter(conversation=conversation).count()
    messages = Message.objects.bulk_create(
        Message(
            conversation=conversation,
            author_kind=Message.AuthorKind.AGENT if n % 2 else Message.AuthorKind.CUSTOMER,
            author_agent=agent if n % 2 else None,
            author_customer=None if n % 2 else customer,
            text=f"history {n}",
            created_at=timezone.now(),
        )
        for n in range(existing, total)
    )
    Receipt.objects.bulk_create(
        Receipt(
            customer=customer,
            message=message,
            type_id=Receipt.TypeId.AGENT if message.author_agent_id else Receipt.TypeId.USER,
            status=Receipt.Status.RECEIVED if message.author_agent_id else Receipt.Status.SEEN,
        )
        for message in messages
    )
    if messages:  # as every writer of messages does before its commit (conversations.poll_state)
        poll_state.newest_ids_raise({customer.pk: messages[-1].pk})
    assert Message.objects.filter(conversation=conversation).count() == total
    return messages[-1].pk


def queries_of(request) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.fixture
def chatting(web, agent):
    """A web install with a conversation, after one poll (the device touch and account lookup are cached)."""
    web.send("first")
    web.get("messages")
    return web


def test_get_messages_query_count_does_not_grow_with_history(chatting, agent, django_assert_num_queries):
    grow_history(chatting, agent, 10)
    small = queries_of(lambda: chatting.get("messages"))

    grow_history(chatting, agent, 500)

    with django_assert_num_queries(small):
        response = chatting.get("messages")
    assert len(response.json()["data"]) == 50
    assert small <= 4


def test_empty_after_poll_query_count_does_not_grow_and_stays_within_4(
    chatting, agent, settings, django_assert_num_queries, django_assert_max_num_queries
):
    """The database path (the cache path makes none: tests/clientapi/test_empty_poll.py)."""
    settings.EMPTY_POLL_FROM_CACHE = False
    last = grow_history(chatting, agent, 10)
    with django_assert_max_num_queries(4):
        small = queries_of(lambda: chatting.get(f"messages/after:{last}"))

    last = grow_history(chatting, agent, 500)

    with django_assert_num_queries(small):
        response = chatting.get(f"messages/after:{last}")
    assert response.json()["data"] == []


def test_post_messages_query_count_does_not_grow_with_history(chatting, agent, django_assert_num_queries):
    grow_history(chatting, agent, 10)
    small = queries_of(lambda: chatting.post("messages", {"message": "at 10"}))

    grow_history(chatting, agent, 500)

    with django_assert_num_queries(small):
        response = chatting.post("messages", {"message": "at 500"})
    assert response.status_code == 200


def test_unseen_count_query_count_does_not_grow_with_history(chatting, agent, django_assert_num_queries):
    grow_history(chatting, agent, 10)
    small = queries_of(lambda: chatting.get("messages/unseen/count"))

    grow_history(chatting, agent, 500)

    with django_assert_num_queries(small):
        chatting.get("messages/unseen/count")
    assert small <= 3


def test_account_lookup_is_cached_between_requests(chatting):
    with CaptureQueriesContext(connection) as captured:
        chatting.get("messages")

    assert [q["sql"] for q in captured if "agents_account" in q["sql"]] == []
