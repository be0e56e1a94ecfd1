"""Typing state, held in the shared cache so every server process sees it (design.md, "Live updates")."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from agents.models import Agent

CUSTOMER_TYPING_SECONDS = 25  # a stopTyping may never come (client API §5.3)
AGENT_TYPING_SECONDS = 15  # the SDKs hide the indicator after 15 s (client API §7.4)


@dataclass(frozen=True)
class AgentTyping:
    agent_id: int
    since: int  # Unix seconds


def _customer_key(conversation_id: int) -> str:
    return f"typing:customer:{conversation_id}"


def _agent_key(conversation_id: int) -> str:
    return f"typing:agent:{conversation_id}"


def customer_typing_set(*, conversation_id: int, customer_id: int, typing: bool) -> None:
    if typing:
        cache.set(
            _customer_key(conversation_id),
            {"customer_id": customer_id, "since": int(time.time())},
            CUSTOMER_TYPING_SECONDS,
        )
    else:
        cache.delete(_customer_key(conversation_id))


def customer_typing_get(*, conversation_id: int) -> dict | None:
    state = cache.get(_customer_key(conversation_id))
    return state if state is not None and _fresh(state["since"], CUSTOMER_TYPING_SECONDS) else None


def agent_typing_set(*, conversation_id: int, agent: Agent, typing: bool) -> None:
    if typing:
        cache.set(
            _agent_key(conversation_id), AgentTyping(agent_id=agent.pk, since=int(time.time())), AGENT_TYPING_SECONDS
        )
    else:
        cache.delete(_agent_key(conversation_id))


def agent_typing_get(*, conversation_id: int) -> AgentTyping | None:
    state = cache.get(_agent_key(conversation_id))
    return state if state is not None and _fresh(state.since, AGENT_TYPING_SECONDS) else None


def _fresh(since: int, seconds: int) -> bool:
    """The cache's expiry has a one-second granularity on some backends: the age decides, the TTL only cleans up."""
    return time.time() - since <= seconds
