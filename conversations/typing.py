"""Typing state, held in the shared cache so every server process sees it (design.md, "Live updates")."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from agents.models import Agent
from conversations.events import typing_event
from conversations.models import Conversation
from conversations.notifications import agent_typing_forget, agent_typing_notify
from devices.models import Customer

CUSTOMER_TYPING_SECONDS = 25  # a stopTyping may never come (client API §5.3)
AGENT_TYPING_SECONDS = 15  # the SDKs hide the indicator after 15 s (client API §7.4)


@dataclass(frozen=True)
class AgentTyping:
    agent_id: int
    since: int  # Unix seconds


def customer_typing_key(conversation_id: int) -> str:
    """The cache key of a conversation's customer typing state (a customer's message deletes it: `message_post`)."""
    return f"typing:customer:{conversation_id}"


def agent_typing_key(conversation_id: int) -> str:
    """The cache key of a conversation's agent typing state (a poll reads it with its quota: `agent_typing_of`)."""
    return f"typing:agent:{conversation_id}"


def customer_typing_set(*, conversation_id: int, customer: Customer, typing: bool) -> None:
    """Seen by the desk; a change also goes to webhooks taking `typing.*` events."""
    if typing:
        was_typing = customer_typing_get(conversation_id=conversation_id) is not None
        cache.set(
            customer_typing_key(conversation_id),
            {"customer_id": customer.pk, "since": int(time.time())},
            CUSTOMER_TYPING_SECONDS,
        )
    else:  # after every message the app sends: one round trip
        was_typing = cache.delete(customer_typing_key(conversation_id))
    if typing != was_typing:
        typing_event(account_id=customer.account_id, conversation_id=conversation_id, started=typing, who=customer)


def customer_typing_ended(*, conversation_id: int, customer: Customer) -> None:
    """The customer's typing state was deleted (`customer_typing_key`) while they typed: a `typing.stopped`."""
    typing_event(account_id=customer.account_id, conversation_id=conversation_id, started=False, who=customer)


def customer_typing_get(*, conversation_id: int) -> dict | None:
    state = cache.get(customer_typing_key(conversation_id))
    return state if state is not None and _fresh(state["since"], CUSTOMER_TYPING_SECONDS) else None


def agent_typing_set(*, conversation: Conversation, agent: Agent, typing: bool, replied: bool = False) -> None:
    """Seen by the customer's apps (`agent.isTyping`) and pushed to them; `replied`: stopped by sending a message,
    which hides the apps' indicator by itself."""
    state = agent_typing_get(conversation_id=conversation.pk)
    was_typing = state is not None and state.agent_id == agent.pk
    if typing:
        cache.set(
            agent_typing_key(conversation.pk),
            AgentTyping(agent_id=agent.pk, since=int(time.time())),
            AGENT_TYPING_SECONDS,
        )
    else:
        cache.delete(agent_typing_key(conversation.pk))
    if replied:
        agent_typing_forget(conversation=conversation, agent=agent)
        if was_typing:
            typing_event(account_id=conversation.account_id, conversation_id=conversation.pk, started=False, who=agent)
    else:
        agent_typing_notify(conversation=conversation, agent=agent, typing=typing, was_typing=was_typing)


def agent_typing_get(*, conversation_id: int) -> AgentTyping | None:
    return agent_typing_of(cache.get(agent_typing_key(conversation_id)))


def agent_typing_of(state: AgentTyping | None) -> AgentTyping | None:
    """The typing state read from `agent_typing_key`, if still fresh."""
    return state if state is not None and _fresh(state.since, AGENT_TYPING_SECONDS) else None


def _fresh(since: int, seconds: int) -> bool:
    """The cache's expiry has a one-second granularity on some backends: the age decides, the TTL only cleans up."""
    return time.time() - since <= seconds
