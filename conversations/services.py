"""Every write to conversations, threads, messages and receipts.

Lock order, everywhere: the conversation row, then the recipient customers in pk order. Message ids are
allocated while those customer locks are held, so ids become visible to each recipient in increasing order
and a client polling `after:LAST` can never miss one (design.md, "No message may be missed").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations.attachments import attachment_store
from conversations.models import Conversation, Media, Message, Participant, Receipt, Thread
from conversations.signals import message_posted
from devices.models import Customer
from messenger_project.custom_data import custom_merge
from messenger_project.errors import ServiceError

Author = Customer | Agent | None


# --- conversations and participants ------------------------------------------------------------------------


def conversation_create(
    *, account, customers: Sequence[Customer] = (), public_id: str | None = None, source: str = "", **fields: Any
) -> Conversation:
    """A new, empty conversation: closed, no thread, not visible until it holds a message."""
    with transaction.atomic():
        conversation = Conversation(
            account=account, source=source, primary_customer=customers[0] if customers else None, **fields
        )
        if public_id is not None:
            conversation.public_id = public_id
        conversation.full_clean(exclude=["account", "primary_customer"])
        conversation.save()
        for customer in customers:
            participant_add(conversation=conversation, customer=customer)
    return conversation


def participant_add(*, conversation: Conversation, customer: Customer) -> Participant:
    """Idempotent: a customer already taking part keeps their participation."""
    if customer.account_id != conversation.account_id:
        raise ServiceError("unknown_customer", status_code=404)
    participant, _ = Participant.objects.get_or_create(conversation=conversation, customer=customer)
    if conversation.primary_customer_id is None:
        Conversation.objects.filter(pk=conversation.pk, primary_customer__isnull=True).update(primary_customer=customer)
        conversation.primary_customer = customer
    return participant


def _lock_conversation(conversation: Conversation) -> Conversation:
    # `of=("self",)`: FOR UPDATE would otherwise lock the joined account row too, serialising a whole account.
    locked = Conversation.objects.select_for_update(of=("self",)).select_related("account").get(pk=conversation.pk)
    if locked.merged_into_id is not None:
        raise ServiceError("conversation_merged", status_code=404, details={"mergedInto": locked.merged_into_id})
    return locked


def conversations_lock_for_customer(*, customer: Customer) -> None:
    """Lock every conversation the customer takes part in (pk order), before any customer row.

    A customer merge takes these first, so a concurrent message_post (conversation lock, then reading the
    participants) reads the participants only after the merge moved them.
    """
    list(
        Conversation.objects.select_for_update(of=("self",))
        .filter(participants__customer=customer)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _lock_customers(customer_ids: Iterable[int]) -> list[int]:
    """Lock recipient customers in pk order (evaluated now), so concurrent posts serialise per recipient."""
    return list(
        Customer.objects.select_for_update()
        .filter(pk__in=set(customer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- threads -----------------------------------------------------------------------------------------------


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


def _open_thread(
    *, conversation: Conversation, now: datetime, source: str, by: Author, thread_type: str = Thread.Type.SESSION
) -> Thread:
    thread_ensure_can_open(conversation=conversation, now=now)
    return Thread.objects.create(
        conversation=conversation,
        type=thread_type,
        status=Thread.Status.OPEN,
        source=source,
        created_at=now,
        opened_by_customer=by if isinstance(by, Customer) else None,
        opened_by_agent=by if isinstance(by, Agent) else None,
    )


def _close_open_thread(
    *, conversation: Conversation, now: datetime, reason: str, by: Agent | None = None
) -> Thread | None:
    thread = conversation.threads.filter(status=Thread.Status.OPEN).first()
    if thread is not None:
        thread.status = Thread.Status.CLOSED
        thread.closed_at = now
        thread.close_reason = reason
        thread.closed_by_agent = by
        thread.save(update_fields=["status", "closed_at", "close_reason", "closed_by_agent"])
    return thread


def _thread_for_message(
    *, conversation: Conversation, author: Author, is_system: bool, now: datetime, source: str
) -> tuple[Thread | None, list[str]]:
    """Pick (or open) the thread a new message goes to and move the status; returns changed field names."""
    open_thread = conversation.threads.filter(status=Thread.Status.OPEN).first()
    if is_system:
        return open_thread, []
    if conversation.status == Conversation.Status.SPAM:
        # Stored, but a spam conversation is never reopened by a message.
        latest = conversation.threads.order_by("-created_at", "-id").first()
        if latest is None:
            latest = Thread.objects.create(
                conversation=conversation,
                status=Thread.Status.CLOSED,
                source=source,
                created_at=now,
                closed_at=now,
                close_reason=Thread.CloseReason.SPAM,
            )
        return latest, []
    new_status = Conversation.Status.ACTIVE if isinstance(author, Customer) else Conversation.Status.PENDING
    if open_thread is None:
        open_thread = _open_thread(conversation=conversation, now=now, source=source, by=author)
    if conversation.status == new_status:
        return open_thread, []
    conversation.status = new_status
    conversation.closed_at = None
    return open_thread, ["status", "closed_at"]


# --- messages ----------------------------------------------------------------------------------------------


def _type_id_for(*, reader_id: int, author: Author, silent: bool) -> int:
    """`typeId` as the reading customer sees the message (client API §4.2)."""
    if isinstance(author, Customer) and author.pk == reader_id:
        return Receipt.TypeId.USER_SYSTEM if silent else Receipt.TypeId.USER
    if silent:
        return Receipt.TypeId.AGENT_SYSTEM
    if author is None:
        return Receipt.TypeId.INFO
    return Receipt.TypeId.AGENT


def message_post(
    *,
    conversation: Conversation,
    author: Author,
    text: str = "",
    media: Sequence[Media] = (),
    silent: bool = False,
    origin: str = Message.Origin.APP,
    thread: Thread | None = None,
    imported: bool = False,
    created_at: datetime | None = None,
    **fields: Any,
) -> Message:
    """Post a message by a customer, an agent or bot (`Agent`), or the system (`author=None`).

    Opens a thread when none is open (the conversation reopens: active for a customer, pending for staff),
    writes a receipt for every customer participant (the author's own is already seen), updates each
    recipient's current conversation and, after commit, sends `message_posted`.
    With `thread` given (chat threads, imports) the message goes there and the status is left alone.
    Raises ServiceError: conversation_merged (404), thread_limit_reached / conversation_too_old (412).
    """
    is_system = author is None
    now = timezone.now()
    with transaction.atomic():
        conversation = _lock_conversation(conversation)
        if isinstance(author, Customer):
            participant_add(conversation=conversation, customer=author)
        recipient_ids = _lock_customers(
            Participant.objects.filter(conversation=conversation).values_list("customer_id", flat=True)
        )
        changed: list[str] = []
        if thread is None and not imported:  # imported history never opens a thread nor moves the status
            thread, changed = _thread_for_message(
                conversation=conversation, author=author, is_system=is_system, now=now, source=origin
            )
        message = Message.objects.create(
            conversation=conversation,
            thread=thread,
            type=Message.Type.SYSTEM if is_system else Message.Type.USER,
            author_kind=(
                Message.AuthorKind.SYSTEM
                if is_system
                else Message.AuthorKind.CUSTOMER
                if isinstance(author, Customer)
                else Message.AuthorKind.AGENT
            ),
            author_customer=author if isinstance(author, Customer) else None,
            author_agent=author if isinstance(author, Agent) else None,
            is_silent=silent,
            text=text,
            origin=origin,
            imported=imported,
            created_at=created_at or now,
            **fields,
        )
        for position, item in enumerate(media):
            item.message = message
            item.position = position
            item.save(update_fields=["message", "position"])
        Receipt.objects.bulk_create(
            Receipt(
                customer_id=reader_id,
                message=message,
                type_id=_type_id_for(reader_id=reader_id, author=author, silent=silent),
                status=(
                    Receipt.Status.SEEN
                    if isinstance(author, Customer) and author.pk == reader_id
                    else Receipt.Status.AVAILABLE
                ),
            )
            for reader_id in recipient_ids
        )
        if not imported:
            _conversation_touch(conversation=conversation, author=author, now=now, changed=changed)
            Customer.objects.filter(pk__in=recipient_ids).exclude(current_conversation=conversation).update(
                current_conversation=conversation
            )
            transaction.on_commit(lambda: message_posted.send(sender=Message, message_id=message.pk))
        elif not conversation.visible:
            conversation.visible = True
            conversation.save(update_fields=["visible", "updated_at"])
    return message


def _conversation_touch(*, conversation: Conversation, author: Author, now: datetime, changed: list[str]) -> None:
    conversation.visible = True
    conversation.last_activity_at = now
    fields = [*changed, "visible", "last_activity_at", "updated_at"]
    if isinstance(author, Customer) and conversation.waiting_since is None:
        conversation.waiting_since = now
        fields.append("waiting_since")
    elif isinstance(author, Agent) and conversation.waiting_since is not None:
        conversation.waiting_since = None
        fields.append("waiting_since")
    conversation.save(update_fields=fields)


def customer_message_send(
    *, customer: Customer, text: str = "", media: Sequence[Media] = (), silent: bool = False, referrer: str = ""
) -> Message:
    """A message from the customer's app: into their current conversation, or a fresh one (the rollover).

    The current conversation is left for a new one when it is missing, merged, at the thread limit or too old
    (integration API §3.8), so an app never sees a 412.
    """
    current = customer.current_conversation
    if current is not None:
        try:
            with transaction.atomic():
                return message_post(
                    conversation=current, author=customer, text=text, media=media, silent=silent, referrer=referrer
                )
        except ServiceError as error:
            if error.code not in ("conversation_merged", "thread_limit_reached", "conversation_too_old"):
                raise
    fresh = conversation_create(
        account=customer.account, customers=[customer], source="app", previous_conversation=current
    )
    return message_post(conversation=fresh, author=customer, text=text, media=media, silent=silent, referrer=referrer)


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
        conversation = _lock_conversation(conversation)
        if conversation.status == status:
            return conversation
        opening = status in Conversation.OPEN_STATUSES
        if opening and not conversation.is_open:
            _open_thread(conversation=conversation, now=now, source=source, by=by)
        elif not opening and conversation.is_open:
            reason = Thread.CloseReason.SPAM if status == Conversation.Status.SPAM else Thread.CloseReason.AGENT
            _close_open_thread(conversation=conversation, now=now, reason=reason, by=by)
        conversation.status = status
        conversation.closed_at = None if opening else now
        if not opening:
            conversation.waiting_since = None
        conversation.save(update_fields=["status", "closed_at", "waiting_since", "updated_at"])
    return conversation


def conversation_close(*, conversation: Conversation, by: Agent | None = None) -> Conversation:
    return conversation_set_status(conversation=conversation, status=Conversation.Status.CLOSED, by=by)


def conversation_reopen(*, conversation: Conversation, by: Agent | None = None) -> Conversation:
    return conversation_set_status(conversation=conversation, status=Conversation.Status.ACTIVE, by=by)


def conversation_assign(*, conversation: Conversation, assignee: Agent | None) -> Conversation:
    """Assign to an agent or bot serving the conversation's account (`not_staff` otherwise), or unassign."""
    with transaction.atomic():
        conversation = _lock_conversation(conversation)
        if assignee is not None and not assignee.memberships.filter(account_id=conversation.account_id).exists():
            raise ServiceError("not_staff")
        if conversation.assignee_id != (assignee.pk if assignee else None):
            conversation.assignee = assignee
            conversation.save(update_fields=["assignee", "updated_at"])
    return conversation


# --- receipts ----------------------------------------------------------------------------------------------


def receipts_raise_status(*, customer: Customer, message_ids: Iterable[int], status: int) -> list[int]:
    """Raise the customer's status of the named messages to `status`, never lowering it.

    Ids outside the customer's timeline and the customer's own messages are skipped. Returns the changed ids.
    """
    if status not in Receipt.Status.values:
        raise ServiceError("validation_error")
    with transaction.atomic():
        receipts = Receipt.objects.filter(
            customer=customer, message_id__in=set(message_ids), status__lt=status
        ).exclude(type_id__in=(Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM))
        changed = sorted(receipts.values_list("message_id", flat=True))
        if changed:
            Receipt.objects.filter(customer=customer, message_id__in=changed).update(
                status=status, updated_at=timezone.now()
            )
    return changed


def receipts_mark_received(*, customer: Customer, receipts: Sequence[Receipt]) -> None:
    """Messages returned to one of the customer's devices become RECEIVED (3) the first time (client API §4.3).

    Updates the given receipts in memory too. Writes only when the page holds an AVAILABLE receipt.
    """
    fresh = [r for r in receipts if r.status == Receipt.Status.AVAILABLE]
    if not fresh:
        return
    Receipt.objects.filter(
        customer=customer, message_id__in=[r.message_id for r in fresh], status=Receipt.Status.AVAILABLE
    ).update(status=Receipt.Status.RECEIVED, updated_at=timezone.now())
    for receipt in fresh:
        receipt.status = Receipt.Status.RECEIVED


# --- the anonymous → registered merge (history part) -------------------------------------------------------


def customer_history_merge(*, source: Customer, target: Customer) -> None:
    """Move `source`'s conversations, messages, receipts and uploads to `target`, with no duplicate.

    Caller holds both customer locks (devices.services.customer_merge).
    """
    # Messages `source` wrote in conversations `target` also takes part in become `target`'s own messages.
    for silent, type_id in ((False, Receipt.TypeId.USER), (True, Receipt.TypeId.USER_SYSTEM)):
        Receipt.objects.filter(customer=target, message__author_customer=source, message__is_silent=silent).update(
            type_id=type_id, status=Receipt.Status.SEEN
        )
    shared_conversations = Participant.objects.filter(customer=target).values("conversation_id")
    Participant.objects.filter(customer=source, conversation_id__in=shared_conversations).delete()
    Participant.objects.filter(customer=source).update(customer=target)
    already_received = Receipt.objects.filter(customer=target).values("message_id")
    Receipt.objects.filter(customer=source, message_id__in=already_received).delete()
    Receipt.objects.filter(customer=source).update(customer=target)
    Message.objects.filter(author_customer=source).update(author_customer=target)
    Conversation.objects.filter(primary_customer=source).update(primary_customer=target)
    Thread.objects.filter(opened_by_customer=source).update(opened_by_customer=target)
    Media.objects.filter(uploaded_by_customer=source).update(uploaded_by_customer=target)


def customer_conversations_delete(*, customer: Customer) -> None:
    """Before a customer is deleted: conversations where they are the only customer go (messages, files);
    in the others their messages stay, without sender. Caller holds the customer lock."""
    conversation_ids = list(Participant.objects.filter(customer=customer).values_list("conversation_id", flat=True))
    shared = set(
        Participant.objects.filter(conversation_id__in=conversation_ids)
        .exclude(customer=customer)
        .values_list("conversation_id", flat=True)
    )
    alone = [pk for pk in conversation_ids if pk not in shared]
    for media in Media.objects.filter(message__conversation_id__in=alone):
        media.file.delete(save=False)
    Customer.objects.filter(current_conversation_id__in=alone).update(current_conversation=None)
    Conversation.objects.filter(merged_into_id__in=alone).update(merged_into=None)
    Conversation.objects.filter(pk__in=alone).delete()
    Message.objects.filter(author_customer=customer).update(sender_deleted=True, author_customer=None)


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


@contextmanager
def _files_removed_on_failure() -> Iterator[list[Media]]:
    """Collects media stored inside a transaction; if it fails, their rows roll back and the files go too."""
    stored: list[Media] = []
    try:
        yield stored
    except Exception:
        for media in stored:
            media.file.delete(save=False)
        raise


def _attachments_store(
    *, account, drafts: Sequence[AttachmentDraft], author: Author, stored: list[Media]
) -> list[Media]:
    media = [
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
    stored += media
    return media


def messages_post_batch(*, conversation: Conversation, drafts: Sequence[MessageDraft], origin: str) -> list[int]:
    """Post several messages in order, all or nothing; stored `created_at` strictly increases in array order.

    An `idempotency_key` already used in the conversation with the same content returns the stored id; with
    other content the whole batch is refused (409 idempotency_conflict).
    """
    with _files_removed_on_failure() as stored, transaction.atomic():
        conversation = _lock_conversation(conversation)
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
            media = _attachments_store(
                account=conversation.account, drafts=draft.attachments, author=draft.author, stored=stored
            )
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
    with _files_removed_on_failure() as stored, transaction.atomic():
        conversation = _lock_conversation(conversation)
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
            _close_open_thread(conversation=conversation, now=now, reason=Thread.CloseReason.SUPERSEDED)
        thread.save()
        if not imported and not spam and conversation.status != Conversation.Status.ACTIVE:
            conversation.status, conversation.closed_at = Conversation.Status.ACTIVE, None
            conversation.save(update_fields=["status", "closed_at", "updated_at"])
        media = _attachments_store(account=conversation.account, drafts=attachments, author=author, stored=stored)
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


# --- conversation merge (integration API §8.5) ----------------------------------------------------------------

MERGE_MAX_THREADS = 100


def conversation_merge(*, source: Conversation, target: Conversation) -> Conversation:
    """Merge `source` into `target`: threads and messages move with their ids and times, participants combine.

    Idempotent for the same target. Raises ServiceError: same_conversation / target_merged / conversation_merged
    (404) / thread_limit_reached (412, nothing changed).
    """
    if source.pk == target.pk:
        raise ServiceError("same_conversation")
    now = timezone.now()
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Conversation.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id == target.pk:
            return target
        if source.merged_into_id is not None:
            raise ServiceError("conversation_merged", status_code=404)
        if target.merged_into_id is not None:
            raise ServiceError("target_merged")
        if source.threads.count() + target.threads.count() > MERGE_MAX_THREADS:
            raise ServiceError("thread_limit_reached", status_code=412)
        target_open = target.threads.filter(status=Thread.Status.OPEN).exists()
        if target_open:
            _close_open_thread(conversation=source, now=now, reason=Thread.CloseReason.MERGED)
        moved_open = source.threads.filter(status=Thread.Status.OPEN).exists()
        Thread.objects.filter(conversation=source).update(conversation=target)
        Message.objects.filter(conversation=source).update(conversation=target)
        source_customers = set(source.participants.values_list("customer_id", flat=True))
        for customer_id in source_customers - set(target.participants.values_list("customer_id", flat=True)):
            Participant.objects.create(conversation=target, customer_id=customer_id)
        _receipts_complete(conversation=target)
        if moved_open and not target_open:
            target.status = source.status
        target.last_activity_at = max(filter(None, [target.last_activity_at, source.last_activity_at]), default=None)
        target.visible = target.visible or source.visible
        target.save()
        source.merged_into, source.status, source.closed_at = target, Conversation.Status.CLOSED, now
        source.save(update_fields=["merged_into", "status", "closed_at", "updated_at"])
        Customer.objects.filter(current_conversation=source).update(current_conversation=target)
    return target


def _receipts_complete(*, conversation: Conversation) -> None:
    """Every participant gets a receipt for every message of the conversation (after a merge combined them)."""
    readers = list(conversation.participants.values_list("customer_id", flat=True))
    have = set(Receipt.objects.filter(message__conversation=conversation).values_list("customer_id", "message_id"))
    missing = []
    for message in conversation.messages.select_related("author_customer", "author_agent"):
        author = message.author_customer or message.author_agent
        for reader_id in readers:
            if (reader_id, message.pk) not in have:
                missing.append(
                    Receipt(
                        customer_id=reader_id,
                        message=message,
                        type_id=_type_id_for(reader_id=reader_id, author=author, silent=message.is_silent),
                        status=(
                            Receipt.Status.SEEN if message.author_customer_id == reader_id else Receipt.Status.AVAILABLE
                        ),
                    )
                )
    Receipt.objects.bulk_create(missing, ignore_conflicts=True)
