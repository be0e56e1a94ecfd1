"""Conversations, participants and posting messages.

Message ids are allocated while the recipient customers are locked, so ids become visible to each
recipient in increasing order and a client polling `after:LAST` can never miss one (design.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.models import Agent
from conversations.events import Event, conversation_event
from conversations.models import Conversation, Media, Message, Participant, Receipt, Thread
from conversations.notifications import message_notify
from conversations.poll_state import newest_ids_raise
from conversations.services.locks import conversation_lock, merged_refuse, participants_lock
from conversations.services.threads import Author, thread_open
from conversations.signals import message_posted, session_opened
from conversations.typing import customer_typing_ended, customer_typing_key, customer_typing_set
from devices.models import Customer
from messenger_project.errors import ServiceError

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
        conversation_event(conversation=conversation, event=Event.CONVERSATION_CREATED)
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


def _thread_for_message(
    *,
    conversation: Conversation,
    open_thread_id: int | None,
    author: Author,
    is_system: bool,
    now: datetime,
    source: str,
) -> tuple[int | None, list[str]]:
    """Pick (or open) the thread a new message goes to and move the status; returns its id and the changed fields.

    `conversation` comes from `conversation_lock`, `open_thread_id` from `participants_lock`."""
    if is_system:
        return open_thread_id, []
    if conversation.status == Conversation.Status.SPAM:
        # Stored, but a spam conversation is never reopened by a message.
        latest = conversation.threads.order_by("-created_at", "-id").values_list("pk", flat=True).first()
        if latest is None:
            latest = Thread.objects.create(
                conversation=conversation,
                status=Thread.Status.CLOSED,
                source=source,
                created_at=now,
                closed_at=now,
                close_reason=Thread.CloseReason.SPAM,
            ).pk
        return latest, []
    new_status = Conversation.Status.ACTIVE if isinstance(author, Customer) else Conversation.Status.PENDING
    if open_thread_id is None:
        open_thread_id = thread_open(conversation=conversation, now=now, source=source, by=author).pk
    if conversation.status == new_status:
        return open_thread_id, []
    if conversation.is_snoozed:
        if not isinstance(author, Customer):
            return open_thread_id, []  # staff may write into a snoozed conversation: it sleeps on
        # The customer wrote: the snooze ends.
        conversation.status, conversation.snoozed_until, conversation.snoozed_by = new_status, None, None
        return open_thread_id, ["status", "snoozed_until", "snoozed_by"]
    conversation.status = new_status
    conversation.closed_at = None
    return open_thread_id, ["status", "closed_at"]


# --- messages ----------------------------------------------------------------------------------------------

# How often a customer's message follows their current conversation as it moves before it goes where it was last
# seen (each move is another writer's committed change: more than one in a row is very unlikely).
CURRENT_ATTEMPTS = 3


def _customer_missing(customer: Customer) -> Customer.DoesNotExist:
    """What a customer's post raises when the customer was deleted since the caller read them."""
    return Customer.DoesNotExist(f"Customer {customer.pk} does not exist.")


class ConversationNotCurrent(Exception):
    """`message_post(current_only=True)`: the conversation is not the author's current one, which is
    `conversation_id` (None: no current conversation). Nothing was written."""

    def __init__(self, conversation_id: int | None):
        super().__init__(f"the current conversation is {conversation_id}")
        self.conversation_id = conversation_id


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
    current_only: bool = False,
    private: bool = False,
    automatic: bool = False,
    **fields: Any,
) -> Message:
    """Post a message by a customer, an agent or bot (`Agent`), or the system (`author=None`).

    Opens a thread when none is open (the conversation reopens: active for a customer, pending for staff),
    writes a receipt for every customer participant (the author's own is already seen), updates each
    recipient's current conversation and, after commit, sends `message_posted`.
    With `thread` given (chat threads, imports) the message goes there and the status is left alone.
    With `current_only` (a customer author) the conversation must be the author's current one, as read under the
    author's lock: else ConversationNotCurrent, before any other refusal.
    A `private` message (an agent's note) reaches no customer: no receipt, no push, no customer event; it goes into
    the open thread (if any) and moves neither the status nor the conversation's activity or waiting time.
    An `automatic` message (the satisfaction prompt and its answer) is never a first response and a customer's
    starts no waiting time.
    Raises Customer.DoesNotExist when the customer author was deleted meanwhile (nothing written);
    ServiceError: conversation_merged (404), thread_limit_reached / conversation_too_old (412).
    """
    is_system = author is None
    now = timezone.now()
    with transaction.atomic():
        customer_author = author if isinstance(author, Customer) else None
        conversation = conversation_lock(conversation, refuse_merged=False)
        participants = participants_lock(conversation=conversation, author=customer_author)
        if customer_author is not None and not participants.author_found:
            raise _customer_missing(customer_author)  # deleted since the caller read it
        if current_only and participants.author_conversation_id != conversation.pk:
            raise ConversationNotCurrent(participants.author_conversation_id)
        merged_refuse(conversation)
        recipient_ids = participants.ids
        if customer_author is not None and not participants.author_takes_part:
            # The author's row is already locked, in pk order with the others.
            participant_add(conversation=conversation, customer=customer_author)
            recipient_ids = sorted([*recipient_ids, customer_author.pk])
        changed: list[str] = []
        previous_status = conversation.status
        thread_id = thread.pk if thread is not None else None
        opened_session = False
        if private:  # a note reaches nobody and moves nothing
            recipient_ids = []
            if thread is None:
                thread_id = participants.open_thread_id
        elif thread is None and not imported:  # imported history never opens a thread nor moves the status
            opened_session = participants.open_thread_id is None
            thread_id, changed = _thread_for_message(
                conversation=conversation,
                open_thread_id=participants.open_thread_id,
                author=author,
                is_system=is_system,
                now=now,
                source=origin,
            )
        message = Message(
            conversation=conversation,
            thread_id=thread_id,
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
            is_private=private,
            text=text,
            origin=origin,
            imported=imported,
            created_at=created_at or now,
            **fields,
        )
        receipts = [
            Receipt(
                customer_id=reader_id,
                type_id=Receipt.type_id_for(reader_id=reader_id, author=author, silent=silent),
                status=(
                    Receipt.Status.SEEN
                    if isinstance(author, Customer) and author.pk == reader_id
                    else Receipt.Status.AVAILABLE
                ),
            )
            for reader_id in recipient_ids
        ]
        if not imported and not private:
            changed = _conversation_touch(
                conversation=conversation, author=author, now=now, changed=changed, waits=not automatic
            )
        elif not conversation.visible:  # imported history never moves the conversation, but shows it
            conversation.visible = True
            changed = ["visible", "updated_at"]
        message.save(force_insert=True)
        if thread_id is not None and _first_response_possible(
            author=author, private=private or automatic, imported=imported
        ):
            # The reports' first response time: recorded as it happens (the first of a session only).
            Thread.objects.filter(pk=thread_id, first_response_at__isnull=True).update(
                first_response_at=message.created_at, first_responder=author
            )
        for receipt in receipts:
            receipt.message = message
        Receipt.objects.bulk_create(receipts)
        if changed:
            conversation.save(update_fields=changed)
        for position, item in enumerate(media):
            item.message = message
            item.position = position
            item.save(update_fields=["message", "position"])
        # Before the commit (see poll_state); in the same round trip, a customer's message ends their typing there.
        typing_key = customer_typing_key(conversation.pk) if customer_author is not None and not imported else None
        newest = dict.fromkeys(recipient_ids, message.pk)
        if newest_ids_raise(newest, delete=[typing_key] if typing_key else []):
            customer_typing_ended(conversation_id=conversation.pk, customer=customer_author)
        if not imported:
            if not private:
                _current_conversation_set(conversation=conversation, author=author, recipient_ids=recipient_ids)
            if "status" in changed:
                conversation_event(
                    conversation=conversation,
                    event=Event.CONVERSATION_STATUS_CHANGED,
                    previousStatus=previous_status,
                )
            message_notify(conversation=conversation, message=message, author=author, recipient_ids=recipient_ids)
            transaction.on_commit(lambda: message_posted.send(sender=Message, message_id=message.pk))
            if customer_author is not None and opened_session and conversation.assignee_id is None:
                transaction.on_commit(lambda: session_opened.send(sender=Conversation, conversation_id=conversation.pk))
    return message


def _first_response_possible(*, author: Author, private: bool, imported: bool) -> bool:
    """A person's answer to the customer: not a bot's, not a note, not imported history."""
    return isinstance(author, Agent) and not author.is_bot and not private and not imported


def _current_conversation_set(*, conversation: Conversation, author: Author, recipient_ids: list[int]) -> None:
    """Each recipient's app messages go here next; no write when the only recipient is the author and already
    there (a customer writing in their conversation: the common case)."""
    if (
        isinstance(author, Customer)
        and recipient_ids == [author.pk]
        and author.current_conversation_id == conversation.pk
    ):
        return
    Customer.objects.filter(pk__in=recipient_ids).exclude(current_conversation=conversation).update(
        current_conversation=conversation
    )


def _conversation_touch(
    *, conversation: Conversation, author: Author, now: datetime, changed: list[str], waits: bool = True
) -> list[str]:
    """Set what a new message changes of the conversation; returns the fields to save."""
    conversation.visible = True
    conversation.last_activity_at = now
    fields = [*changed, "visible", "last_activity_at", "updated_at"]
    if isinstance(author, Customer) and waits and conversation.waiting_since is None:
        conversation.waiting_since = now
        fields.append("waiting_since")
    elif isinstance(author, Agent) and conversation.waiting_since is not None:
        conversation.waiting_since = None
        fields.append("waiting_since")
    return fields


def customer_message_send(
    *, customer: Customer, text: str = "", media: Sequence[Media] = (), silent: bool = False, referrer: str = ""
) -> Message:
    """A message from the customer's app: into their current conversation, or a fresh one (the rollover).

    The current conversation is left for a new one when it is missing, merged, at the thread limit or too old
    (integration API §3.8), so an app never sees a 412. `customer.current_conversation` may have moved since the
    caller was read: the post checks it under the customer's lock, and follows the one the database names instead.
    Raises Customer.DoesNotExist when the customer is gone (a caller read before their deletion), writing nothing.
    """
    send = partial(message_post, author=customer, text=text, media=media, silent=silent, referrer=referrer)
    typed_in = customer.current_conversation_id  # where the app's typing was set
    message = _into_current(customer, send)
    if message is None:
        with transaction.atomic():  # the fresh conversation and its first message, for a customer still there
            if not Customer.objects.select_for_update().filter(pk=customer.pk).exists():
                raise _customer_missing(customer)
            fresh = conversation_create(
                account=customer.account,
                customers=[customer],
                source="app",
                previous_conversation_id=customer.current_conversation_id,
            )
            message = send(conversation=fresh)
    if typed_in is not None and message.conversation_id != typed_in:  # message_post ended it where the message went
        customer_typing_set(conversation_id=typed_in, customer=customer, typing=False)
    return message


def _into_current(customer: Customer, send: Callable[..., Message]) -> Message | None:
    """The message posted into the customer's current conversation, following it as it moves; None when there is
    none to post into (none, merged, at the thread limit or too old). Leaves `customer.current_conversation` at
    the last one tried."""
    # Only its id: message_post reads the conversation again under its lock anyway.
    current = None if customer.current_conversation_id is None else Conversation(pk=customer.current_conversation_id)
    for attempt in range(1, CURRENT_ATTEMPTS + 1):
        if current is None:
            return None
        try:  # message_post is atomic itself: a refusal leaves nothing behind
            return send(conversation=current, current_only=attempt < CURRENT_ATTEMPTS)
        except ConversationNotCurrent as moved:
            current_id = moved.conversation_id
        except Conversation.DoesNotExist:  # deleted since the caller was read
            found = list(Customer.objects.filter(pk=customer.pk).values_list("current_conversation", flat=True))
            if not found:  # the customer too: no fresh conversation for them
                raise _customer_missing(customer) from None
            current_id = found[0]
        except ServiceError as error:
            if error.code not in ("conversation_merged", "thread_limit_reached", "conversation_too_old"):
                raise
            return None
        current = None if current_id is None else Conversation(pk=current_id)
        customer.current_conversation = current
    return None
