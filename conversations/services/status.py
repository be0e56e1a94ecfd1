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
from conversations.signals import capacity_freed
from messenger_project.errors import ServiceError


def capacity_freed_after_commit(*, account_id: int) -> None:
    """After this commit an agent may have room for the next conversation in the queue (routing)."""
    transaction.on_commit(lambda: capacity_freed.send(sender=Conversation, account_id=account_id))


# --- status and assignment ---------------------------------------------------------------------------------


def conversation_set_status(
    *, conversation: Conversation, status: str, by: Agent | None = None, source: str = "desk"
) -> Conversation:
    """Move a conversation between active / pending / closed / spam, keeping the open-thread invariant (a snoozed
    one may move too: its snooze ends; snoozing itself is `conversation_snooze`).

    Closing or marking spam closes the open thread; going from closed or spam to active or pending opens a
    new session thread (subject to the 412 locks). Setting the current status is a no-op.
    """
    if status not in Conversation.Status.values:
        raise ServiceError("invalid_status")
    if status == Conversation.Status.SNOOZED:  # it needs a time: conversation_snooze
        raise ServiceError("invalid_status", message="Snooze a conversation with conversation_snooze.")
    now = timezone.now()
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if conversation.status == status:
            return conversation
        previous = conversation.status
        opening = status in Conversation.LIVE_STATUSES
        if opening and not conversation.is_open:
            thread_open(conversation=conversation, now=now, source=source, by=by)
        elif not opening and conversation.is_open:
            reason = Thread.CloseReason.SPAM if status == Conversation.Status.SPAM else Thread.CloseReason.AGENT
            thread_close_open(conversation=conversation, now=now, reason=reason, by=by)
        conversation.status = status
        conversation.closed_at = None if opening else now
        if not opening:
            conversation.waiting_since = None
        conversation.snoozed_until = conversation.snoozed_by = None  # any snooze ends with the status it had
        conversation.save(
            update_fields=["status", "closed_at", "waiting_since", "snoozed_until", "snoozed_by", "updated_at"]
        )
        conversation_event(conversation=conversation, event=Event.CONVERSATION_STATUS_CHANGED, previousStatus=previous)
        if conversation.assignee_id is not None and status not in Conversation.OPEN_STATUSES:
            capacity_freed_after_commit(account_id=conversation.account_id)
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
            if previous is not None and conversation.status in Conversation.OPEN_STATUSES:
                capacity_freed_after_commit(account_id=conversation.account_id)
    return conversation
