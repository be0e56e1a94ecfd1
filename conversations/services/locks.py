"""Row locks, always in one order: conversations (pk order), then customers (pk order)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, Subquery, Value

from conversations.models import Conversation, Participant, Thread
from devices.models import Customer
from messenger_project.errors import ServiceError


def conversation_lock(conversation: Conversation, *, refuse_merged: bool = True) -> Conversation:
    """The conversation, locked and read again; a merged one is refused (`merged_refuse`) unless `refuse_merged` is
    False. Raises Conversation.DoesNotExist when it was deleted. Its account loads when touched (then read again:
    a policy change applies at once); a customer's post in an open thread never touches it."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if refuse_merged:
        merged_refuse(locked)
    return locked


def merged_refuse(conversation: Conversation) -> None:
    """Nothing more goes into a merged conversation: 404 conversation_merged, saying where it went."""
    if conversation.merged_into_id is not None:
        raise ServiceError("conversation_merged", status_code=404, details={"mergedInto": conversation.merged_into_id})


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


@dataclass(frozen=True)
class Participants:
    ids: list[int]  # the customers taking part, in pk order
    author_takes_part: bool
    open_thread_id: int | None  # the conversation's open thread
    author_conversation_id: int | None  # the author's current conversation (None: no author, or none)
    author_found: bool  # the author's row is there (and locked); False without an author


def participants_lock(*, conversation: Conversation, author: Customer | None = None) -> Participants:
    """Lock the customers taking part in the conversation, and `author`, in pk order, and read the conversation's
    open thread and the author's current conversation: one statement.

    Caller holds the conversation lock, so neither can change meanwhile; and this statement's snapshot, taken once
    that lock is held, sees every thread its previous holders committed (the locking statement itself would not)."""
    taking_part = Participant.objects.filter(conversation_id=conversation.pk)
    open_threads = (  # at most one is open: no ORDER BY
        Thread.objects.filter(conversation_id=conversation.pk, status=Thread.Status.OPEN).order_by().values("pk")
    )
    wanted = taking_part.order_by().values("customer_id")
    rows = Customer.objects.select_for_update().order_by("pk").annotate(open_thread=Subquery(open_threads[:1]))
    if author is None:
        rows = rows.filter(pk__in=wanted).annotate(author_takes_part=Value(False))
    else:
        # UNION ALL, not `OR pk = author`: with the OR, PostgreSQL filtered every customer row (a cost that grows
        # with the customers); with the union it looks up just these rows.
        wanted = wanted.union(Customer.objects.filter(pk=author.pk).order_by().values("pk"), all=True)
        rows = rows.filter(pk__in=wanted).annotate(author_takes_part=Exists(taking_part.filter(customer_id=author.pk)))
    rows = list(rows.values_list("pk", "open_thread", "author_takes_part", "current_conversation_id"))
    # With no row (staff or the system writing to an empty conversation), the open thread on its own.
    open_thread_id = rows[0][1] if rows else next(iter(open_threads.values_list("pk", flat=True)[:1]), None)
    author_row = next((row for row in rows if author is not None and row[0] == author.pk), None)
    author_takes_part = author_row is not None and author_row[2]
    # Every row but the author's is a participant's.
    ids = [row[0] for row in rows if row is not author_row or author_takes_part]
    return Participants(
        ids=ids,
        author_takes_part=author_takes_part,
        open_thread_id=open_thread_id,
        author_conversation_id=author_row[3] if author_row else None,
        author_found=author_row is not None,
    )
