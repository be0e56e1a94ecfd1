"""Private notes: what agents write in a conversation's timeline for each other, never for the customer."""

from __future__ import annotations

from collections.abc import Sequence

from agents.models import Agent
from conversations.models import Conversation, Media, Message
from conversations.services.posting import message_post
from messenger_project.errors import ServiceError

NOTE_MAX_LENGTH = 10_000


def note_add(
    *,
    conversation: Conversation,
    agent: Agent,
    text: str,
    origin: str = Message.Origin.DESK,
    media: Sequence[Media] = (),
) -> Message:
    """An agent's private note in the conversation's timeline (agents only).

    No customer holds a receipt of it, so it is in no app's messages, push or widget stream and counts for no
    customer's unread; it goes to the desk's stream and to webhooks (with `private: true`). It answers nobody: the
    status, the customer's waiting time and the conversation's last activity stay as they were.
    ServiceError: `empty_note`, `note_too_long`; `conversation_merged` (404) as every post.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ServiceError("empty_note", message="Write a note.")
    if len(text) > NOTE_MAX_LENGTH:
        raise ServiceError("note_too_long", message=f"A note has at most {NOTE_MAX_LENGTH} characters.")
    return message_post(conversation=conversation, author=agent, text=text, origin=origin, private=True, media=media)
