"""Integration API writes: upserts, message batches with attachments, chat threads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations.attachments import attachment_store
from conversations.events import Event, conversation_event
from conversations.media import media_files_removed_on_failure
from conversations.models import Conversation, Media, Message, Thread
from conversations.services.locks import conversation_lock
from conversations.services.posting import conversation_create, message_post, participant_add
from conversations.services.threads import Author, thread_close_open, thread_ensure_can_open
from devices.models import Customer
from messenger_project.custom_data import custom_merge
from messenger_project.errors import ServiceError

# --- integration API [S2]: upserts and message batches --------------------------------------------------------

MAX_PARTICIPANTS = 100


def conversation_upsert(
    *, account, public_id: str, participants: Sequence[Customer], fields: dict[str, Any]
) -> tuple[Conversation, bool, bool]:
    """[S2] PUT conversations/{id}: create (closed, invisible) or update; participants are only ever added.

    A merged id is never brought back to life (404 conversation_merged). Returns (conversation, created, changed).
    """
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().filter(account=account, public_id=public_id).first()
        created = conversation is None
        if created:
            conversation = conversation_create(account=account, public_id=public_id, source="api")
        elif conversation.merged_into_id is not None:
            raise ServiceError(
                "conversation_merged", status_code=404, details={"mergedInto": conversation.merged_into_id}
            )
        current = set(conversation.participants.values_list("customer_id", flat=True))
        new = [c for c in dict.fromkeys(participants) if c.pk not in current]
        if len(current) + len(new) > MAX_PARTICIPANTS:
            raise ServiceError("too_many_participants", message=f"A conversation has at most {MAX_PARTICIPANTS}.")
        for customer in new:
            participant_add(conversation=conversation, customer=customer)
        changed = created or bool(new)
        for name, value in fields.items():
            if name == "custom":
                value = custom_merge(conversation.custom, value)
            elif value is None:
                value = [] if name == "welcome_messages" else ""
            if getattr(conversation, name) != value:
                setattr(conversation, name, value)
                changed = True
        if changed:
            conversation.save()
            if not created:
                conversation_event(conversation=conversation, event=Event.CONVERSATION_UPDATED)
    return conversation, created, changed


@dataclass(frozen=True)
class AttachmentDraft:
    file_name: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class MessageDraft:
    """One item of an integration API message batch, validated."""

    author: Customer | Agent | None
    text: str
    attachments: tuple[AttachmentDraft, ...] = ()
    custom: dict = field(default_factory=dict)
    idempotency_key: str | None = None
    referenced_message_id: int | None = None

    def same_as(self, message: Message) -> bool:
        """Same content as a stored message (type, sender, text, attachments, custom, reference): a replay."""
        author_id = self.author.pk if self.author is not None else None
        stored_author = message.author_customer_id or message.author_agent_id
        return (author_id, self.text, self.custom, self.referenced_message_id) == (
            stored_author,
            message.text,
            message.custom,
            message.referenced_message_id,
        ) and [(a.file_name, a.mime_type, len(a.content)) for a in self.attachments] == [
            (m.original_name, m.mime_type, m.size) for m in message.attachments.all()
        ]


def _attachments_store(*, account, drafts: Sequence[AttachmentDraft], author: Author) -> list[Media]:
    """Each stored file is deleted again if the surrounding block fails (media_files_removed_on_failure)."""
    return [
        attachment_store(
            account=account,
            file_name=a.file_name,
            mime_type=a.mime_type,
            content=a.content,
            customer=author if isinstance(author, Customer) else None,
            agent=author if isinstance(author, Agent) else None,
        )
        for a in drafts
    ]


def messages_post_batch(*, conversation: Conversation, drafts: Sequence[MessageDraft], origin: str) -> list[int]:
    """Post several messages in order, all or nothing; stored `created_at` strictly increases in array order.

    An `idempotency_key` already used in the conversation with the same content returns the stored id; with
    other content the whole batch is refused (409 idempotency_conflict).
    """
    with media_files_removed_on_failure(), transaction.atomic():
        conversation = conversation_lock(conversation)
        keys = [d.idempotency_key for d in drafts if d.idempotency_key]
        replays = {
            m.idempotency_key: m
            for m in Message.objects.filter(conversation=conversation, idempotency_key__in=keys).prefetch_related(
                "attachments"
            )
        }
        for draft in drafts:
            replay = replays.get(draft.idempotency_key)
            if replay is not None and not draft.same_as(replay):
                raise ServiceError(
                    "idempotency_conflict", status_code=409, details={"idempotencyKey": replay.idempotency_key}
                )
        ids, previous = [], None
        for draft in drafts:
            if draft.idempotency_key in replays:
                ids.append(replays[draft.idempotency_key].pk)
                continue
            created_at = timezone.now()
            if previous is not None and created_at <= previous:
                created_at = previous + timedelta(microseconds=1)
            media = _attachments_store(account=conversation.account, drafts=draft.attachments, author=draft.author)
            message = message_post(
                conversation=conversation,
                author=draft.author,
                text=draft.text,
                media=media,
                origin=origin,
                created_at=created_at,
                custom=draft.custom,
                idempotency_key=draft.idempotency_key,
                referenced_message_id=draft.referenced_message_id,
            )
            ids.append(message.pk)
            previous = created_at
    return ids


# --- integration API [S3]: chat threads -----------------------------------------------------------------------


def chat_thread_create(
    *,
    conversation: Conversation,
    customer: Customer | Callable[[], Customer],
    text: str,
    attachments: Sequence[AttachmentDraft] = (),
    imported: bool = False,
    created_at: datetime | None = None,
) -> Thread:
    """[S3] POST …/chats: a new thread holding one customer message, in one transaction.

    The 412 locks are checked before anything is written; `customer` may be a factory, called only then, so a
    refused request creates no customer. Not imported: an open thread is superseded and the conversation
    reopens (a spam one stays spam, its new thread closed). Imported: a closed thread dated `created_at` that
    changes nothing else and notifies nobody.
    """
    now = timezone.now()
    with media_files_removed_on_failure(), transaction.atomic():
        conversation = conversation_lock(conversation)
        thread_ensure_can_open(conversation=conversation, now=now)
        author = customer() if callable(customer) else customer
        participant_add(conversation=conversation, customer=author)
        spam = conversation.status == Conversation.Status.SPAM
        thread = Thread(
            conversation=conversation,
            type=Thread.Type.CHAT,
            source="chat_api",
            imported=imported,
            opened_by_customer=author,
            created_at=created_at or now,
        )
        if imported or spam:
            thread.status, thread.closed_at = Thread.Status.CLOSED, created_at or now
            thread.close_reason = Thread.CloseReason.IMPORTED if imported else Thread.CloseReason.SPAM
        else:
            thread_close_open(conversation=conversation, now=now, reason=Thread.CloseReason.SUPERSEDED)
        thread.save()
        if not imported and not spam:
            conversation_event(conversation=conversation, event=Event.THREAD_OPENED, thread=thread)
            if conversation.status != Conversation.Status.ACTIVE:
                previous = conversation.status
                conversation.status, conversation.closed_at = Conversation.Status.ACTIVE, None
                conversation.snoozed_until = conversation.snoozed_by = None  # a new chat ends a snooze
                conversation.save(update_fields=["status", "closed_at", "snoozed_until", "snoozed_by", "updated_at"])
                conversation_event(
                    conversation=conversation, event=Event.CONVERSATION_STATUS_CHANGED, previousStatus=previous
                )
        media = _attachments_store(account=conversation.account, drafts=attachments, author=author)
        message_post(
            conversation=conversation,
            author=author,
            text=text,
            media=media,
            thread=thread,
            imported=imported,
            created_at=created_at if imported else None,
            origin=Message.Origin.IMPORT if imported else Message.Origin.CHAT_API,
        )
    return thread
