"""Snooze: an agent sets a conversation aside until a time, or until the customer writes; it wakes by itself.

A snoozed conversation keeps its open thread (`Conversation.LIVE_STATUSES`) but is not "open" (active or
pending: what awaits someone). It wakes to active when the customer waits, else to pending (`wake_status`): when
the snooze is ended by an agent (`conversation_wake`), when its time comes (`conversations_wake_due`, run by every
worker's sweep), or when the customer writes (`message_post` makes it active).
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations.events import Event, conversation_event
from conversations.models import Conversation
from conversations.services.desk import desk_line
from conversations.services.locks import conversation_lock
from conversations.services.status import capacity_freed_after_commit
from messenger_project.errors import ServiceError

WAKE_BATCH = 200  # conversations woken by one sweep at most; the next sweep takes the rest


def snooze_until_text(until: datetime | None) -> str:
    if until is None:
        return "until the customer writes"
    return "until " + until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def conversation_snooze(*, conversation: Conversation, agent: Agent | None, until: datetime | None) -> Conversation:
    """Set an open (active or pending) conversation aside until `until` (None: until the customer writes); a snoozed
    one is snoozed again with the new time. Leaves a line in the timeline ("Sanne snoozed the conversation until …")
    and a `conversation.status_changed` event.

    A time that has come already wakes it at the next sweep (within seconds): the desk offers times to come.
    ServiceError: `conversation_not_open` (409) for a closed or spam conversation; `conversation_merged` (404).
    """
    if until is not None and timezone.is_naive(until):
        raise ServiceError("invalid_snooze", message="Give the time with its offset.")
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if not conversation.is_open:
            raise ServiceError("conversation_not_open", status_code=409, message="Only an open conversation sleeps.")
        previous = conversation.status
        conversation.status = Conversation.Status.SNOOZED
        conversation.snoozed_until, conversation.snoozed_by = until, agent
        conversation.save(update_fields=["status", "snoozed_until", "snoozed_by", "updated_at"])
        conversation_event(conversation=conversation, event=Event.CONVERSATION_STATUS_CHANGED, previousStatus=previous)
        if conversation.assignee_id is not None:
            capacity_freed_after_commit(account_id=conversation.account_id)
        desk_line(
            conversation=conversation,
            agent=agent,
            action="snooze",
            text=f"snoozed the conversation {snooze_until_text(until)}",
            private=True,  # the customer's app is not told: the snooze is the team's own business
        )
    return conversation


def conversation_wake(*, conversation: Conversation, agent: Agent | None = None) -> Conversation:
    """End a snooze now (an agent's "unsnooze"): active when the customer waits, else pending. A conversation that
    is not snoozed is left as it is."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if conversation.is_snoozed:
            _wake(conversation, agent=agent, text="woke the conversation up")
    return conversation


def conversations_wake_due(*, now: datetime | None = None, limit: int = WAKE_BATCH) -> int:
    """Wake the snoozed conversations whose time has come (oldest first); returns how many woke. Run by every
    worker's sweep (`db_worker`): two workers at once wake each conversation once (each is checked under its lock)."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.filter(status=Conversation.Status.SNOOZED, snoozed_until__lte=now)
        .order_by("snoozed_until", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    woken = 0
    for pk in due:
        with transaction.atomic():
            try:
                conversation = conversation_lock(Conversation(pk=pk), refuse_merged=False)
            except Conversation.DoesNotExist:
                continue
            if conversation.is_snoozed and conversation.snoozed_until is not None and conversation.snoozed_until <= now:
                _wake(conversation, agent=None, text="the snooze ended")
                woken += 1
    return woken


def _wake(conversation: Conversation, *, agent: Agent | None, text: str) -> None:
    """Caller holds the conversation's lock and saw it snoozed."""
    previous = conversation.status
    conversation.status = conversation.wake_status
    conversation.snoozed_until = conversation.snoozed_by = None
    conversation.save(update_fields=["status", "snoozed_until", "snoozed_by", "updated_at"])
    conversation_event(conversation=conversation, event=Event.CONVERSATION_STATUS_CHANGED, previousStatus=previous)
    desk_line(conversation=conversation, agent=agent, action="wake", text=text, private=True)
