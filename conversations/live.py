"""Live events for the desk's and the widget's streams, published on the live bus after the commit, never before.

They start where the webhook events start (`conversations.events`, `conversations.notifications`): the one place
that records what happened. Topics say who may hear an event: `account:ID` the agents of an account (the desk),
`customer:ID` a customer's devices (the widget). An event is a notice, small and the same for every listener;
each stream reads what it shows from the database, as its client's own request would (nothing is trusted from the
bus but ids), so a missed event costs latency, never a message.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction

from agents.models import Agent
from conversations.models import Conversation, Message, Participant
from devices.models import Customer
from messenger_project import live_bus

Author = Customer | Agent | None  # who wrote or typed: a customer, staff (agent or bot), or the system


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


def customer_topic(customer_id: int) -> str:
    return f"customer:{customer_id}"


def device_topic(account_id: int, device_id: str) -> str:
    return f"device:{account_id}:{device_id}"


def _publish(
    kind: str, *, account_id: int, customer_ids: Iterable[int] = (), topics: Iterable[str] = (), **data
) -> None:
    topics = [account_topic(account_id), *(customer_topic(c) for c in customer_ids), *topics]
    event = {"kind": kind, "account": account_id, "topics": topics, **data}
    transaction.on_commit(partial(live_bus.publish, event))


def _participant_ids(conversation_id: int) -> list[int]:
    return list(Participant.objects.filter(conversation_id=conversation_id).values_list("customer_id", flat=True))


def author_kind(author: Author) -> str:
    """Who wrote or typed: a customer, an agent, a bot, or the system."""
    if isinstance(author, Customer):
        return "customer"
    if isinstance(author, Agent):
        return "bot" if author.is_bot else "agent"
    return "system"


def message_live(*, conversation: Conversation, message: Message, author: Author, recipient_ids: list[int]) -> None:
    """A new message: to the desk, and to the customers whose timeline it joins (none for a private note)."""
    _publish(
        "message",
        account_id=conversation.account_id,
        customer_ids=recipient_ids,
        id=message.pk,
        conversation=conversation.pk,
        author=author_kind(author),
        silent=message.is_silent,
        private=message.is_private,
    )


def conversation_live(*, conversation: Conversation, event: str) -> None:
    """A conversation changed (status, assignment, thread, merge): to the desk, and to its customers."""
    _publish(
        "conversation",
        account_id=conversation.account_id,
        customer_ids=_participant_ids(conversation.pk),
        conversation=conversation.pk,
        event=event,
        status=conversation.status,
        assignee=conversation.assignee_id,
    )


def typing_live(*, account_id: int, conversation_id: int, who: Customer | Agent, typing: bool) -> None:
    """Typing started or stopped: a customer's to the desk; an agent's also to the conversation's customers."""
    _publish(
        "typing",
        account_id=account_id,
        customer_ids=_participant_ids(conversation_id) if isinstance(who, Agent) else [],
        conversation=conversation_id,
        who=author_kind(who),
        agent=who.pk if isinstance(who, Agent) else None,
        customer=who.pk if isinstance(who, Customer) else None,
        typing=typing,
    )


def receipts_live(*, customer: Customer, message_ids: list[int], status: int) -> None:
    """The customer's receipts of these messages rose to `status` (seen on another device, say)."""
    _publish("status", account_id=customer.account_id, customer_ids=[customer.pk], ids=message_ids, status=status)


def read_live(*, conversation: Conversation, agent: Agent, message_id: int) -> None:
    """An agent read the conversation up to `message_id`: the customers see their messages read."""
    _publish(
        "read",
        account_id=conversation.account_id,
        customer_ids=_participant_ids(conversation.pk),
        conversation=conversation.pk,
        agent=agent.pk,
        upTo=message_id,
    )


def device_live(*, account_id: int, device_id: str) -> None:
    """A device was registered again (to another customer, say) or deleted: its stream checks who it serves."""
    _publish("device", account_id=account_id, topics=[device_topic(account_id, device_id)], device=device_id)
