"""What agents do at the desk: reply, act on a conversation (each action leaves a timeline line), read."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from agents.models import Agent
from conversations.live import read_live
from conversations.media import media_files_removed_on_failure, media_store
from conversations.models import Conversation, Message, ReadMarker, Thread
from conversations.services.posting import message_post
from conversations.services.satisfaction import satisfaction_ask
from conversations.services.status import conversation_assign, conversation_set_status
from conversations.typing import agent_typing_set
from messenger_project.errors import ServiceError

# action: (the status it sets, what its timeline line says)
ACTIONS = {
    "close": ("closed", "closed the conversation"),
    "reopen": ("active", "reopened the conversation"),
    "spam": ("spam", "marked the conversation as spam"),
}


def desk_line(
    *,
    conversation: Conversation,
    agent: Agent | None,
    action: str,
    text: str,
    thread: Thread | None = None,
    private: bool = False,
) -> Message:
    """A line in the timeline saying who did what: a silent system message (typeId 5, hidden from apps).

    `text` follows the agent's name ("Sanne closed the conversation"); without an agent (the worker, the API
    without a bot) it stands alone, capitalised. It goes into the open thread, or into `thread` when given (the
    thread a close just closed). A `private` line is for agents only (as a note: no customer holds a receipt)."""
    return message_post(
        conversation=conversation,
        author=None,
        thread=thread,
        silent=True,
        text=f"{agent.display_name} {text}" if agent is not None else text[:1].upper() + text[1:],
        origin=Message.Origin.DESK,
        custom={"action": action, "agentId": agent.pk if agent is not None else None},
        private=private,
    )


def desk_status_change(*, conversation: Conversation, agent: Agent, action: str) -> Conversation:
    if action not in ACTIONS:
        raise ServiceError("invalid_action")
    status, text = ACTIONS[action]
    with transaction.atomic():
        before = conversation.status
        conversation = conversation_set_status(conversation=conversation, status=status, by=agent, source="desk")
        if conversation.status != before:
            # A close's line belongs to the thread it closed and stands for that thread's "closed" separator in the
            # desk's timeline: one close, one line (desk_timeline). Other lines go into the open thread.
            closed = (
                None
                if conversation.is_open
                else conversation.threads.filter(status=Thread.Status.CLOSED, closed_at=conversation.closed_at)
                .order_by("-id")
                .first()
            )
            line = desk_line(conversation=conversation, agent=agent, action=action, text=text, thread=closed)
            if action == "close":  # after its line: the customer sees the close, then the question (#20)
                satisfaction_ask(conversation=conversation, thread=closed, agent=agent)
            if not conversation.is_open:
                # Closed or spam needs nobody's attention: the closer has read it all (the inbox shows no badge
                # on such a conversation for any agent, see desk_inbox).
                read_marker_advance(agent=agent, conversation=conversation, message_id=line.pk)
    return conversation


def desk_assign(*, conversation: Conversation, agent: Agent, assignee: Agent | None) -> Conversation:
    with transaction.atomic():
        before = conversation.assignee_id
        conversation = conversation_assign(conversation=conversation, assignee=assignee)
        if conversation.assignee_id != before:
            if assignee is None:
                text = "unassigned the conversation"
            elif assignee.pk == agent.pk:
                text = "assigned the conversation to themselves"
            else:
                text = f"assigned the conversation to {assignee.display_name}"
            desk_line(conversation=conversation, agent=agent, action="assign", text=text)
    return conversation


def desk_reply(*, conversation: Conversation, agent: Agent, text: str, image: UploadedFile | None = None) -> Message:
    """An agent's reply through the same posting service as every other message; only images attach here.

    The image goes through the client API's check of the bytes (media_store): a PNG, JPEG or GIF of at most
    MAX_IMAGE_PIXELS that decodes whole, or the reply is refused (`invalid_media_type`; `not_an_image` for a file of
    another type the check accepts, a PDF say)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()  # browsers send textarea lines as CRLF
    if not text and image is None:
        raise ServiceError("empty_reply", message="Write a message or attach an image.")
    with media_files_removed_on_failure(), transaction.atomic():
        media = (
            [media_store(account=conversation.account, upload=image, agent=agent, images_only=True)]
            if image is not None
            else []
        )
        message = message_post(
            conversation=conversation, author=agent, text=text, media=media, origin=Message.Origin.DESK
        )
        read_marker_advance(agent=agent, conversation=conversation, message_id=message.pk)
    agent_typing_set(conversation=conversation, agent=agent, typing=False, replied=True)
    return message


def read_marker_advance(*, agent: Agent, conversation: Conversation, message_id: int) -> None:
    """The agent has read up to `message_id` (never moves back)."""
    marker, created = ReadMarker.objects.get_or_create(
        agent=agent, conversation=conversation, defaults={"last_read_message_id": message_id}
    )
    advanced = created or (
        marker.last_read_message_id < message_id
        and ReadMarker.objects.filter(pk=marker.pk, last_read_message_id__lt=message_id).update(
            last_read_message_id=message_id
        )
    )
    if advanced:
        read_live(conversation=conversation, agent=agent, message_id=message_id)
