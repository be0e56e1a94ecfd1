"""How conversations, threads and messages look in the integration API (§8) and in webhook events (§8.8)."""

from __future__ import annotations

from agents.models import Agent
from conversations.models import Conversation, Media, Message, Thread
from messenger_project.timestamps import iso


def _agent(agent: Agent | None) -> dict | None:
    if agent is None:
        return None
    return {"id": agent.pk, "name": agent.display_name, "isBot": agent.is_bot}


def conversation_v2(conversation: Conversation) -> dict:
    """Expects `conversations_for_api` annotations (thread_count, open_thread_id) and prefetches."""
    href = f"/api/v2/conversations/{conversation.public_id}"
    primary = conversation.primary_customer
    return {
        "id": conversation.public_id,
        "subject": conversation.subject or None,
        "status": conversation.status,
        "visible": conversation.visible,
        "createdAt": iso(conversation.created_at),
        "updatedAt": iso(conversation.updated_at),
        "lastActivityAt": iso(conversation.last_activity_at),
        "closedAt": iso(conversation.closed_at),
        "threadCount": conversation.thread_count,
        "openThreadId": conversation.open_thread_id,
        "mergedInto": None,
        "primaryCustomer": (
            {"id": str(primary.uuid), "number": primary.number, "email": primary.email or None} if primary else None
        ),
        "participants": [
            {
                "userId": str(p.customer.uuid),
                "fkId": p.customer.fk_id,
                "kind": "customer",
                "access": p.access,
                "notify": p.notify,
            }
            for p in conversation.participants.all()
        ],
        "assignee": _agent(conversation.assignee),
        "custom": conversation.custom,
        "_links": {
            "self": {"href": href},
            "threads": {"href": f"{href}/threads"},
            "messages": {"href": f"{href}/messages"},
        },
    }


def _sender(message: Message) -> dict | None:
    if message.author_customer is not None:
        return {"userId": str(message.author_customer.uuid), "kind": "customer"}
    if message.author_agent is not None:
        return {"userId": str(message.author_agent.pk), "kind": "bot" if message.author_agent.is_bot else "agent"}
    return None


def attachment_v2(media: Media) -> dict:
    return {
        "id": str(media.uuid),
        "fileName": media.original_name,
        "mimeType": media.mime_type,
        "size": media.size,
        "url": f"/api/v2/attachments/{media.uuid}",
    }


def message_v2(message: Message) -> dict:
    data = {
        "id": message.pk,
        "conversationId": message.conversation.public_id,
        "threadId": message.thread_id,
        "type": message.type,
        "sender": _sender(message),
        "text": message.text,
        "attachments": [attachment_v2(m) for m in message.attachments.all()],
        "createdAt": iso(message.created_at),
        "origin": message.origin,
        "imported": message.imported,
        "referencedMessageId": message.referenced_message_id,
        "custom": message.custom,
    }
    if message.sender_deleted:
        data["senderDeleted"] = True
    return data


def thread_v2(thread: Thread) -> dict:
    if thread.opened_by_customer is not None:
        opened_by = {"kind": "customer", "userId": str(thread.opened_by_customer.uuid)}
    elif thread.opened_by_agent is not None:
        opened_by = {
            "kind": "bot" if thread.opened_by_agent.is_bot else "agent",
            "userId": str(thread.opened_by_agent.pk),
        }
    else:
        opened_by = None
    return {
        "id": thread.pk,
        "conversationId": thread.conversation.public_id,
        "type": thread.type,
        "status": thread.status,
        "imported": thread.imported,
        "source": thread.source,
        "openedBy": opened_by,
        "createdAt": iso(thread.created_at),
        "closedAt": iso(thread.closed_at),
        "closeReason": thread.close_reason or None,
        "messageCount": thread.message_count,
    }
