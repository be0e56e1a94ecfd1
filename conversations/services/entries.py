"""Help Scout's thread writes (#21): a staff reply or a private note with attachments and a status change in one
transaction, a staff entry's text edited, a file added to an entry. (Help Scout's "thread" is one of our messages.)"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from agents.models import Agent
from agents.services import audit_record
from conversations.media import media_files_removed_on_failure
from conversations.models import Conversation, Media, Message
from conversations.services.batches import AttachmentDraft, _attachments_store
from conversations.services.locks import conversation_lock
from conversations.services.notes import note_add
from conversations.services.posting import message_post
from conversations.services.status import conversation_set_status
from messenger_project.errors import ServiceError

MESSAGE_ATTACHMENTS_MAX = 5
TEXT_MAX_LENGTH = 10_000


def staff_entry_post(
    *,
    conversation: Conversation,
    author: Agent,
    text: str,
    attachments: Sequence[AttachmentDraft] = (),
    private: bool = False,
    status: str | None = None,
    origin: str = Message.Origin.REST,
) -> Message:
    """An agent's (or bot's) reply, or with `private` a note (`note_add`: never shown to a customer), its files
    stored with it, then the conversation moved to `status` (`conversation_set_status`) if given; all or nothing.
    ServiceError as `message_post` / `note_add` / `conversation_set_status`."""
    with media_files_removed_on_failure(), transaction.atomic():
        conversation = conversation_lock(conversation)
        media = _attachments_store(account=conversation.account, drafts=attachments, author=author)
        if private:
            message = note_add(conversation=conversation, agent=author, text=text, origin=origin, media=media)
        else:
            message = message_post(conversation=conversation, author=author, text=text, media=media, origin=origin)
        if status is not None:
            conversation_set_status(conversation=conversation, status=status, by=author, source="api")
    return message


def _editable(message: Message) -> None:
    """Only what staff wrote (replies, notes, imported staff messages too) is theirs to change; never a
    customer's words nor a system line."""
    if message.author_agent_id is None:
        raise ServiceError(
            "thread_not_editable",
            status_code=422,
            message="Only an agent's or bot's reply or note can be changed; a customer's message cannot.",
        )


def message_text_edit(*, message: Message, text: str, by: Agent | None = None) -> Message:
    """Replace the text of a staff message or note; the audit log records who and which message (not the text).
    ServiceError: `thread_not_editable` (422) for a customer's or system message; `conversation_merged` (404)."""
    with transaction.atomic():
        conversation = conversation_lock(message.conversation)
        message = Message.objects.select_for_update().get(pk=message.pk)
        _editable(message)
        if message.text != text:
            message.text = text
            message.save(update_fields=["text"])
            audit_record(
                actor=by.user if by is not None else None,
                action="edit message text",
                account=conversation.account,
                target=f"message {message.pk} in conversation {conversation.public_id}",
            )
    return message


def message_attachment_add(*, message: Message, attachment: AttachmentDraft, by: Agent | None = None) -> Media:
    """One more file on a staff message or note (at most 5 a message), stored as the integration API's
    attachments are (`attachment_store`). ServiceError: `thread_not_editable` (422), `too_many_attachments` (409),
    `conversation_merged` (404)."""
    with media_files_removed_on_failure(), transaction.atomic():
        conversation = conversation_lock(message.conversation)
        message = Message.objects.select_for_update().get(pk=message.pk)
        _editable(message)
        count = message.attachments.count()
        if count >= MESSAGE_ATTACHMENTS_MAX:
            raise ServiceError(
                "too_many_attachments",
                status_code=409,
                message=f"A message holds at most {MESSAGE_ATTACHMENTS_MAX} attachments.",
            )
        [media] = _attachments_store(account=conversation.account, drafts=[attachment], author=by)
        media.message, media.position = message, count
        media.save(update_fields=["message", "position"])
    return media
