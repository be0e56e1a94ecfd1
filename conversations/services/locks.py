"""Row locks, always in one order: conversations (pk order), then customers (pk order)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection

from agents.models import Account
from conversations.models import Conversation, Participant, Thread
from devices.models import Customer
from messenger_project.errors import ServiceError
from messenger_project.sql import Columns, column, for_update, instances, select_list, table

# What the services read of the account under the conversation lock: its policies (read again, so a change
# applies at once), the texts of notifications, its ids. Any other field loads when touched.
LOCKED_ACCOUNT_FIELDS = (
    "id",
    "name",
    "identification",
    "app_id",
    "max_threads",
    "lock_after_days",
    "generic_push_message",
    "missed_message_email_minutes",
)


@functools.cache
def _conversation_lock_query() -> tuple[str, tuple[Columns, ...]]:
    parts = (
        Columns.of("v", Conversation, tuple(f.attname for f in Conversation._meta.concrete_fields)),
        Columns.of("a", Account, LOCKED_ACCOUNT_FIELDS),
    )
    sql = (
        f"SELECT {select_list(*parts)} FROM {table(Conversation)} v "
        f"INNER JOIN {table(Account)} a ON a.id = v.{column(Conversation, 'account')} WHERE v.id = %s" + for_update("v")
        # OF v: not the account row too, which would serialise a whole account
    )
    return sql, parts


@functools.cache
def _open_thread_sql() -> str:
    return (
        f"SELECT t.id FROM {table(Thread)} t WHERE t.{column(Thread, 'conversation')} = %s "
        f"AND t.{column(Thread, 'status')} = %s LIMIT 1"
    )


def conversation_lock(conversation: Conversation, *, refuse_merged: bool = True) -> Conversation:
    """The conversation, locked and read again, with its account; a merged one is refused (`merged_refuse`) unless
    `refuse_merged` is False.

    A hand-written statement (`messenger_project.sql`): every posted message takes it."""
    sql, parts = _conversation_lock_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation.pk])
        row = cursor.fetchone()
    if row is None:
        raise Conversation.DoesNotExist(f"Conversation {conversation.pk} is gone.")
    locked, account = instances(row, *parts)
    locked.account = account
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


@functools.cache
def _participants_lock_sql() -> str:
    participant, conversation, customer = (
        table(Participant),
        column(Participant, "conversation"),
        column(Participant, "customer"),
    )
    # The author joins the participants in the subquery (UNION ALL), not by `OR c.id = %s`: with the OR,
    # PostgreSQL walked the whole customer table's primary key, filtering every row (1 ms at 5,000 customers,
    # growing with them); now it looks up just these rows.
    return (
        f"SELECT c.id, EXISTS(SELECT 1 FROM {participant} p WHERE p.{conversation} = %s AND p.{customer} = c.id), "
        f"({_open_thread_sql()}), c.{column(Customer, 'current_conversation')} "
        f"FROM {table(Customer)} c "
        f"WHERE c.id IN (SELECT q.{customer} FROM {participant} q WHERE q.{conversation} = %s "
        f"UNION ALL SELECT CAST(%s AS BIGINT)) "
        f"ORDER BY c.id" + for_update("c")
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
    thread_args = [conversation.pk, Thread.Status.OPEN.value]
    with connection.cursor() as cursor:
        cursor.execute(
            _participants_lock_sql(), [conversation.pk, *thread_args, conversation.pk, author.pk if author else None]
        )
        rows = cursor.fetchall()
        if rows:
            open_thread_id = rows[0][2]
        else:  # no one takes part (staff or the system writing to an empty conversation)
            cursor.execute(_open_thread_sql(), thread_args)
            found = cursor.fetchone()
            open_thread_id = found[0] if found else None
    ids = [pk for pk, takes_part, _, _ in rows if takes_part]
    author_row = next((row for row in rows if author is not None and row[0] == author.pk), None)
    return Participants(
        ids=ids,
        author_takes_part=author is not None and author.pk in ids,
        open_thread_id=open_thread_id,
        author_conversation_id=author_row[3] if author_row else None,
        author_found=author_row is not None,
    )
