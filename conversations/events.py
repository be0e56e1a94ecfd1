"""Webhook events about conversations, threads and messages (integration API §8.8).

The services emit them inside their transactions, so an event is recorded exactly when its change commits.
Their data is only built when some webhook of the account takes the event.
"""

from __future__ import annotations

from agents.delivery.webhooks import webhook_event_emit
from agents.models import Agent, Webhook
from conversations.live import Author, author_kind, conversation_live, typing_live
from conversations.models import Conversation, Message, Thread
from conversations.representations import conversation_v2, message_v2
from conversations.selectors import conversations_for_api
from devices.models import Customer
from messenger_project.timestamps import iso

Event = Webhook.Event


def conversation_data(conversation: Conversation) -> dict:
    """The conversation as `GET /api/v2/conversations/{id}` shows it, read inside the writing transaction."""
    return conversation_v2(conversations_for_api(account=conversation.account_id).get(pk=conversation.pk))


def thread_data(thread: Thread) -> dict:
    return {
        "id": thread.pk,
        "type": thread.type,
        "status": thread.status,
        "source": thread.source,
        "createdAt": iso(thread.created_at),
        "closedAt": iso(thread.closed_at),
        "closeReason": thread.close_reason or None,
    }


def conversation_event(*, conversation: Conversation, event: str, thread: Thread | None = None, **extra) -> None:
    """Emit a `conversation.*` or `thread.*` event; `extra` adds keys to `data` (previousStatus, …)."""

    if "previousStatus" in extra:  # as the API shows statuses (a snoozed conversation is pending there)
        extra["previousStatus"] = Conversation.status_public(extra["previousStatus"])

    def data() -> dict:
        payload = {"conversation": conversation_data(conversation), **extra}
        if thread is not None:
            payload["thread"] = thread_data(thread)
        return payload

    webhook_event_emit(account_id=conversation.account_id, event=event, data=data)
    conversation_live(conversation=conversation, event=event)


def message_created(*, conversation: Conversation, message: Message, author: Author) -> None:
    """`message.created`, filtered by each webhook's sender kinds; a bot's own messages skip its key's webhooks."""

    def data() -> dict:
        thread = message.thread
        return {
            "conversation": conversation_data(conversation),
            "thread": thread_data(thread) if thread is not None else None,
            "message": {**message_v2(message), "silent": message.is_silent},
        }

    webhook_event_emit(
        account_id=conversation.account_id,
        event=Event.MESSAGE_CREATED,
        data=data,
        sender_kind=author_kind(author),
        sender_agent_id=author.pk if isinstance(author, Agent) else None,
    )


def typing_event(*, account_id: int, conversation_id: int, started: bool, who: Customer | Agent) -> None:
    """`typing.started` / `typing.stopped` of a customer or of staff (not sent back to a typing bot's webhook)."""

    def data() -> dict:
        public_id = Conversation.objects.values_list("public_id", flat=True).get(pk=conversation_id)
        user = {"kind": author_kind(who), "userId": str(who.uuid) if isinstance(who, Customer) else str(who.pk)}
        return {"conversation": {"id": public_id}, "user": user}

    webhook_event_emit(
        account_id=account_id,
        event=Event.TYPING_STARTED if started else Event.TYPING_STOPPED,
        data=data,
        sender_agent_id=who.pk if isinstance(who, Agent) else None,
    )
    typing_live(account_id=account_id, conversation_id=conversation_id, who=who, typing=started)
