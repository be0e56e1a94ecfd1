"""Changing several things of a conversation at once: one transaction, all or nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.models import Agent
from conversations.models import Conversation
from conversations.services.batches import conversation_upsert
from conversations.services.locks import conversation_lock
from conversations.services.status import conversation_assign, conversation_set_status

KEEP: Any = object()  # "leave as it is", as opposed to None (unassign)


def conversation_update(
    *,
    conversation: Conversation,
    assignee: Agent | None = KEEP,
    status: str | None = None,
    fields: dict[str, Any] | None = None,
    source: str = "api",
) -> Conversation:
    """Assignment, then fields (`subject`, `custom`), then status. A refusal of any (a 412 lock on reopening,
    `not_staff`, `conversation_merged`) leaves nothing written."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if assignee is not KEEP:
            conversation = conversation_assign(conversation=conversation, assignee=assignee)
        if fields:
            conversation, _, _ = conversation_upsert(
                account=conversation.account, public_id=conversation.public_id, participants=[], fields=fields
            )
        if status is not None:
            conversation = conversation_set_status(conversation=conversation, status=status, source=source)
    return conversation
