"""The desk's bulk actions: one service call per conversation, so each change keeps its own rules and its line."""

from __future__ import annotations

from collections.abc import Iterable

from agents.models import Agent
from conversations.models import Conversation
from conversations.services.desk import desk_assign, desk_status_change
from conversations.services.labels import label_add, label_name_clean
from messenger_project.errors import ServiceError

BULK_ACTIONS = ("assign_me", "unassign", "close", "label")


def desk_bulk(
    *, conversations: Iterable[Conversation], agent: Agent, action: str, may_assign: bool = True, label: str = ""
) -> int:
    """Applies `action` to each conversation (each in its own transaction: one refused change stops no other);
    answers how many changed. Assigning to oneself needs `may_assign` (the agent serves the accounts); `label`
    names the label to add."""
    if action not in BULK_ACTIONS:
        raise ServiceError("invalid_action")
    if action == "label":
        label = label_name_clean(label)  # a bad name is refused once, for all
    changed = 0
    for conversation in conversations:
        before = (conversation.status, conversation.assignee_id)
        try:
            if action == "label":
                had = conversation.labels.filter(name__iexact=label).exists()
                label_add(conversation=conversation, name=label, actor_agent=agent)
                changed += not had
                continue
            if action == "assign_me":
                if not may_assign:
                    raise ServiceError("not_a_member")
                conversation = desk_assign(conversation=conversation, agent=agent, assignee=agent)
            elif action == "unassign":
                conversation = desk_assign(conversation=conversation, agent=agent, assignee=None)
            elif conversation.is_open:
                conversation = desk_status_change(conversation=conversation, agent=agent, action="close")
        except ServiceError:
            continue
        changed += (conversation.status, conversation.assignee_id) != before
    return changed
