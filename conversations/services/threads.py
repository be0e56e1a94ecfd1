"""Opening and closing threads, and the two 412 locks of seed 003."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from agents.models import Agent
from conversations.events import Event, conversation_event
from conversations.models import Conversation, Thread
from devices.models import Customer
from messenger_project.errors import ServiceError

Author = Customer | Agent | None  # a customer, an agent or bot, or the system (None)


def thread_ensure_can_open(*, conversation: Conversation, now: datetime | None = None) -> None:
    """The two 412 locks of seed 003. Caller holds the conversation lock."""
    account = conversation.account
    # The seed refuses an add at "99 threads or more" with a 100-thread maximum.
    if conversation.threads.count() >= account.max_threads - 1:
        raise ServiceError("thread_limit_reached", status_code=412)
    if account.lock_after_days:
        last = conversation.last_activity_at or conversation.created_at
        if last < (now or timezone.now()) - timedelta(days=account.lock_after_days):
            raise ServiceError("conversation_too_old", status_code=412)


def thread_open(
    *, conversation: Conversation, now: datetime, source: str, by: Author, thread_type: str = Thread.Type.SESSION
) -> Thread:
    thread_ensure_can_open(conversation=conversation, now=now)
    thread = Thread.objects.create(
        conversation=conversation,
        type=thread_type,
        status=Thread.Status.OPEN,
        source=source,
        created_at=now,
        opened_by_customer=by if isinstance(by, Customer) else None,
        opened_by_agent=by if isinstance(by, Agent) else None,
    )
    conversation_event(conversation=conversation, event=Event.THREAD_OPENED, thread=thread)
    return thread


def thread_close_open(
    *, conversation: Conversation, now: datetime, reason: str, by: Agent | None = None
) -> Thread | None:
    thread = conversation.threads.filter(status=Thread.Status.OPEN).first()
    if thread is not None:
        thread.status = Thread.Status.CLOSED
        thread.closed_at = now
        thread.close_reason = reason
        thread.closed_by_agent = by
        # Whom the session counts for in the reports: the conversation's assignee and team as it closes.
        thread.assignee_id, thread.team_id = conversation.assignee_id, conversation.team_id
        thread.save(update_fields=["status", "closed_at", "close_reason", "closed_by_agent", "assignee", "team"])
        conversation_event(conversation=conversation, event=Event.THREAD_CLOSED, thread=thread)
    return thread
