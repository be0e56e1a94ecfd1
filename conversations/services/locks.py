"""Row locks, always in one order: conversations (pk order), then customers (pk order)."""

from __future__ import annotations

import functools

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


def conversation_lock(conversation: Conversation) -> Conversation:
    """The conversation, locked and read again, with its account and the id of its open thread (`open_thread_id`).

    Hand-written statements (`messenger_project.sql`): every posted message takes them."""
    sql, parts = _conversation_lock_query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation.pk])
        row = cursor.fetchone()
        if row is None:
            raise Conversation.DoesNotExist(f"Conversation {conversation.pk} is gone.")
        # Its own statement, once the lock is held: in the locking statement PostgreSQL would read the threads as
        # they were before a concurrent writer of this conversation committed.
        cursor.execute(_open_thread_sql(), [conversation.pk, Thread.Status.OPEN.value])
        found = cursor.fetchone()
    locked, account = instances(row, *parts)
    locked.account = account
    locked.open_thread_id = found[0] if found else None
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
        f"SELECT c.id, EXISTS(SELECT 1 FROM {participant} p WHERE p.{conversation} = %s AND p.{customer} = c.id) "
        f"FROM {table(Customer)} c "
        f"WHERE c.id IN (SELECT q.{customer} FROM {participant} q WHERE q.{conversation} = %s "
        f"UNION ALL SELECT CAST(%s AS BIGINT)) "
        f"ORDER BY c.id" + for_update("c")
    )


def participants_lock(*, conversation: Conversation, author: Customer | None = None) -> tuple[list[int], bool]:
    """Lock the customers taking part in the conversation, and `author`, in pk order: one statement.

    Returns the participants' ids and whether `author` is one of them. Caller holds the conversation lock, so the
    participants cannot change meanwhile."""
    with connection.cursor() as cursor:
        cursor.execute(_participants_lock_sql(), [conversation.pk, conversation.pk, author.pk if author else None])
        rows = cursor.fetchall()
    participants, author_takes_part = [], False
    for pk, participant in rows:
        if participant:
            participants.append(pk)
            author_takes_part = author_takes_part or (author is not None and pk == author.pk)
    return participants, author_takes_part
