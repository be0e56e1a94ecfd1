"""Capacity holds under concurrency (#20): new conversations created at the same moment, each routed after its own
commit, never give an agent more than their capacity. PostgreSQL only: SQLite serialises writers anyway."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from agents.models import Agent, AutoAssignment, Membership
from conversations.models import Conversation
from conversations.services import agent_availability_set, message_post
from tests.factories import make_account, make_agent, make_conversation, make_customer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks (SQLite serialises writers); runs in CI with DATABASE_URL",
    ),
]

CREATORS = 12


def _create_and_write(account, start: threading.Barrier) -> int:
    try:
        customer = make_customer(account=account)
        conversation = make_conversation(account=account, customers=[customer])
        start.wait(timeout=30)
        message_post(conversation=conversation, author=customer, text="Hello?")  # commits, then routes
        return conversation.pk
    finally:
        connection.close()


@pytest.mark.parametrize(("agents", "capacity"), [(1, 1), (3, 2)])
def test_concurrent_new_conversations_never_exceed_capacity(agents, capacity):
    account = make_account(auto_assignment=AutoAssignment.BALANCED, assignment_capacity=capacity)
    people = [make_agent(account=account) for _ in range(agents)]
    for person in people:
        agent_availability_set(agent=person, availability=Agent.Availability.ONLINE)
    make_agent(account=account)  # offline: never given one
    start = threading.Barrier(CREATORS)
    with ThreadPoolExecutor(CREATORS) as pool:
        ids = list(pool.map(lambda _: _create_and_write(account, start), range(CREATORS)))

    conversations = Conversation.objects.filter(pk__in=ids)
    for person in people:
        assert conversations.filter(assignee=person).count() == capacity
    assert conversations.filter(assignee__isnull=False).count() == agents * capacity
    # The rest wait in the queue, none lost, none assigned to anyone else.
    assert conversations.filter(assignee__isnull=True, queued_at__isnull=False).count() == CREATORS - agents * capacity
    assert not Membership.objects.filter(account=account, agent__availability="offline", last_assigned_at__isnull=False)
