"""The writes of a posted message: the message, its receipts and the conversation's changed fields.

`message_post` makes them on every message, so they are hand-written (`messenger_project.sql`): on PostgreSQL one
statement (data-modifying CTEs) instead of the ORM's three, each of which took longer to build than to run;
elsewhere three (`INSERT … RETURNING`: SQLite 3.35 or later). Message, Receipt and Conversation have no save
signals to miss.
"""

from __future__ import annotations

import functools

from django.db import connection
from django.db.models import CharField, Field, TextField

from conversations.models import Conversation, Message, Receipt
from messenger_project.sql import (
    Statement,
    insert,
    insert_fields,
    insert_rows,
    insert_values,
    instance_saved,
    quote,
    table,
    update,
)


def message_write(
    *, message: Message, receipts: list[Receipt], conversation: Conversation, conversation_fields: list[str]
) -> None:
    """Insert `message` (its pk set) and `receipts` (their message set), and save `conversation_fields` if any."""
    message_insert = insert(message)
    conversation_update = update(conversation, conversation_fields) if conversation_fields else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = _together(message_insert, receipts, conversation_update)
            cursor.execute(statement.sql, statement.params)
            instance_saved(message, cursor.fetchone()[0])
            for receipt in receipts:
                receipt.message = message
            return
        cursor.execute(message_insert.sql, message_insert.params)
        instance_saved(message, cursor.fetchone()[0])
        for receipt in receipts:
            receipt.message = message
        for statement in (insert_rows(receipts) if receipts else None, conversation_update):
            if statement is not None:
                cursor.execute(statement.sql, statement.params)


def _together(message_insert: Statement, receipts: list[Receipt], conversation_update: Statement | None) -> Statement:
    """`WITH m AS (INSERT message RETURNING id), r AS (INSERT receipts … m.id), u AS (UPDATE conversation)
    SELECT id FROM m`: PostgreSQL runs all three on one snapshot, which is all they need (the rows they touch are
    locked or new)."""
    fields = _receipt_fields()
    params = list(message_insert.params)
    for receipt in receipts:
        params.extend(insert_values(receipt, fields))
    if conversation_update is not None:
        params.extend(conversation_update.params)
    sql = _together_sql(
        message_insert.sql, len(receipts), conversation_update.sql if conversation_update is not None else None
    )
    return Statement(sql, params)


@functools.cache
def _receipt_fields() -> tuple[Field, ...]:
    return tuple(f for f in insert_fields(Receipt) if f.name != "message")


@functools.cache
def _together_sql(message_insert: str, receipts: int, conversation_update: str | None) -> str:
    parts, pk = [f"m AS ({message_insert})"], quote(Message._meta.pk.column)
    if receipts:
        fields = _receipt_fields()
        row = "(" + ", ".join(f"CAST(%s AS {_value_type(f)})" for f in fields) + ")"
        columns = ", ".join(quote(f.column) for f in fields)
        parts.append(
            f"r AS (INSERT INTO {table(Receipt)} ({quote(Receipt._meta.get_field('message').column)}, {columns}) "
            f"SELECT m.{pk}, v.* FROM m, (VALUES {', '.join([row] * receipts)}) AS v)"
        )
    if conversation_update is not None:
        parts.append(f"u AS ({conversation_update})")
    return f"WITH {', '.join(parts)} SELECT {pk} FROM m"


def _value_type(field: Field) -> str:
    """The type a VALUES column is cast to: the column's own, but text without a length (an explicit cast to
    `varchar(n)` would cut a longer value where the column's assignment refuses it)."""
    if isinstance(field, CharField | TextField):
        return "text"
    return field.cast_db_type(connection)
