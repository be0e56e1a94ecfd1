"""Status changes and assignment."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations import poll_state
from conversations.events import Event, conversation_event
from conversations.models import Conversation, Thread
from conversations.services.locks import conversation_lock
from conversations.services.threads import thread_close_open, thread_open
from messenger_project.errors import ServiceError

# --- status and assignment ---------------------------------------------------------------------------------


def conversation_set_status(
    *, conversation: Conversation, status: str, by: Agent | None = None, source: str = "desk"
) -> Conversation:
    """Move a conversation between active / pending / closed / spam, keeping the open-thread invariant.

    Closing or marking spam closes the open thread; going from closed or spam to active or pending opens a
    new session thread (subject to the 412 locks). Setting the current status is a no-op.
    """
    if status not in Conversation.Status.values:
        raise ServiceError("invalid_status")
    now = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if conversation.status == status:
            return conversation
        previous = conversation.status
        opening = status in Conversation.OPEN_STATUSES
        if opening and not conversation.is_open:
            thread_open(conversation=conversation, now=now, source=source, by=by)
        elif not opening and conversation.is_open:
            reason = Thread.CloseReason.SPAM if status == Conversation.Status.SPAM else Thread.CloseReason.AGENT
            thread_close_open(conversation=conversation, now=now, reason=reason, by=by)
        conversation.status = status
        conversation.closed_at = None if opening else now
        if not opening:
            conversation.waiting_since = None
        conversation.save(update_fields=["status", "closed_at", "waiting_since", "updated_at"])
        conversation_event(conversation=conversation, event=Event.CONVERSATION_STATUS_CHANGED, previousStatus=previous)
    return conversation


def conversation_close(*, conversation: Conversation, by: Agent | None = None) -> Conversation:
    return conversation_set_status(conversation=conversation, status=Conversation.Status.CLOSED, by=by)


def conversation_reopen(*, conversation: Conversation, by: Agent | None = None) -> Conversation:
    return conversation_set_status(conversation=conversation, status=Conversation.Status.ACTIVE, by=by)


def conversation_assign(*, conversation: Conversation, assignee: Agent | None) -> Conversation:
    """Assign to an agent or bot serving the conversation's account (`not_staff` otherwise), or unassign."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if assignee is not None and not assignee.memberships.filter(account_id=conversation.account_id).exists():
            raise ServiceError("not_staff")
        if conversation.assignee_id != (assignee.pk if assignee else None):
            previous = conversation.assignee_id
            conversation.assignee = assignee
            conversation.save(update_fields=["assignee", "updated_at"])
            poll_state.conversation_snapshots_forget(
                account_id=conversation.account_id, conversation_id=conversation.pk
            )
            conversation_event(
                conversation=conversation, event=Event.CONVERSATION_ASSIGNED, previousAssigneeId=previous
            )
    return conversation
