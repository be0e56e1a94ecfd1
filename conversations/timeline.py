"""A customer's timeline as the client API reads it (design.md "What a client sees"): every message of every
conversation they take part in, paged by message id, newest first.

This is the hottest read of the server (every poll), so its SQL is written out and its rows become small
`TimelineItem`s rather than model instances: building the queries and the instances with the ORM cost several
times what PostgreSQL took to answer. Table and column names still come from the models.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from django.db import connection

from agents.models import Agent
from conversations.models import Media, Message, Receipt
from devices.models import Customer

PAGE_SIZE = 50


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@dataclass(slots=True)
class AuthorAgent:
    id: int
    display_name: str
    avatar: str  # the stored file's name, "" without one
    is_bot: bool


@dataclass(slots=True)
class AuthorCustomer:
    id: int
    uuid: object
    number: int
    name: str
    first_name: str
    last_name: str
    photo_url: str

    @property
    def display_name(self) -> str:
        full = self.name or f"{self.first_name} {self.last_name}".strip()
        return full or f"Anonymous {str(self.uuid)[:8]}"  # as Customer.display_name


@dataclass(slots=True)
class MediaRef:
    """The first attachment of a message: what the client API's media object shows."""

    account_id: int
    file_name: str
    mime_type: str
    original_name: str

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(slots=True)
class TimelineItem:
    """One message as one customer sees it: their receipt (type and status) with the message and its author."""

    message_id: int
    type_id: int
    status: int
    time: int  # when the message was created, in Unix seconds (what the client API shows)
    text: str
    title: str
    author_kind: str
    buttons: list
    carousel: list
    quick_replies: list
    custom: dict
    author_agent: AuthorAgent | None
    author_customer: AuthorCustomer | None
    media: MediaRef | None = None


@dataclass(frozen=True)
class TimelinePage:
    """Items newest first, and whether older messages exist before the page."""

    items: list[TimelineItem]
    has_older: bool

    @property
    def message_ids(self) -> list[int]:
        return [item.message_id for item in self.items]


def timeline_page(
    *, customer: Customer, before: int | None = None, after: int | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """A page of the customer's timeline, newest first: one query.

    - neither cursor: the `limit` highest ids;
    - `before=X`: the `limit` highest ids below X;
    - `after=X`: the `limit` *lowest* ids above X, so a poller catches up page by page without a gap.
    The page's ids come from the unique index (customer_id, message_id) of Receipt alone (a subquery with its own
    LIMIT), then just those rows are joined: one query with the joins and the LIMIT outside let PostgreSQL walk
    the messages' primary key from the newest message of anyone, which grows with the whole history. This stays
    O(page).
    """
    if before is not None and after is not None:
        raise ValueError("before and after are exclusive")
    if after is not None:  # parameters in statement order: EXISTS (older ones), r, then the ids' subquery
        params = [customer.pk, after, customer.pk, customer.pk, after, limit]
        rows = _page_rows(_page_sql(">", ascending=True), params)
        items = _items(rows)
        has_older = bool(rows) and bool(rows[0][-1])
    else:
        bound = "<" if before is not None else ""
        params = [customer.pk, customer.pk, before, limit + 1] if bound else [customer.pk, customer.pk, limit + 1]
        items = _items(_page_rows(_page_sql(bound, ascending=False), params))
        has_older = len(items) > limit
    items = items[:limit]
    return TimelinePage(items=items, has_older=has_older)


def timeline_items(*, customer_id: int, message_ids: list[int]) -> list[TimelineItem]:
    """These messages of the customer's timeline (others are left out), newest first."""
    if not message_ids:
        return []
    condition, params = _any(message_ids)
    # The id range leads PostgreSQL's generic plan (a prepared statement) to the (customer_id, message_id) index;
    # with the list alone it guessed the list long and scanned all of a customer's receipts.
    where = f"r.{column(Receipt, 'customer')} = %s AND r.{column(Receipt, 'message')} BETWEEN %s AND %s "
    where += f"AND r.{column(Receipt, 'message')} {condition}"
    rows = _page_rows(_select(where), [customer_id, min(message_ids), max(message_ids), *params])
    return _items(rows)


# --- the SQL ----------------------------------------------------------------------------------------------

# The columns of a page's rows, in the order `_item` reads them.
ITEM_COLUMNS = (
    ("r", Receipt, ("message", "type_id", "status")),
    ("m", Message, ("created_at", "text", "title", "author_kind", "buttons", "carousel", "quick_replies", "custom")),
    ("a", Agent, ("id", "display_name", "avatar", "is_bot")),
    ("c", Customer, ("id", "uuid", "number", "name", "first_name", "last_name", "photo_url")),
    ("f", Media, ("account", "file", "mime_type", "original_name")),  # the first attachment (position 0)
)


def _select(where: str, *, extra: str = "") -> str:
    """The items' SELECT (no ORDER BY) for rows of `r` (Receipt) matching `where`; `extra` appends a column."""
    message, receipt_message = column(Message, "id"), column(Receipt, "message")
    columns = ", ".join(
        _epoch(f"m.{column(model, name)}")
        if (model, name) == (Message, "created_at")
        else f"{alias}.{column(model, name)}"
        for alias, model, names in ITEM_COLUMNS
        for name in names
    )
    return (
        f"SELECT {columns}{extra} FROM {table(Receipt)} r "
        f"INNER JOIN {table(Message)} m ON m.{message} = r.{receipt_message} "
        f"LEFT OUTER JOIN {table(Agent)} a ON a.id = m.{column(Message, 'author_agent')} "
        f"LEFT OUTER JOIN {table(Customer)} c ON c.id = m.{column(Message, 'author_customer')} "
        f"LEFT OUTER JOIN {table(Media)} f ON f.{column(Media, 'message')} = m.{message} "
        f"AND f.{column(Media, 'position')} = 0 "
        f"WHERE {where} ORDER BY r.{receipt_message} DESC, f.id"
    )


def _epoch(expression: str) -> str:
    """A timestamp as whole Unix seconds, computed by the database: parsing timestamps in Python was the largest
    cost of shaping a page."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {expression})) AS BIGINT)"
    return f"CAST(strftime('%%s', {expression}) AS INTEGER)"  # SQLite stores UTC text


@functools.cache
def _page_sql(comparison: str, *, ascending: bool) -> str:
    """One page: the ids from the index in a subquery with its LIMIT, then their rows. After a cursor, each row
    also tells whether older messages exist (any at or below the cursor)."""
    receipts, customer, message = table(Receipt), column(Receipt, "customer"), column(Receipt, "message")
    bound = f" AND i.{message} {comparison} %s" if comparison else ""
    ids = (
        f"SELECT i.{message} FROM {receipts} i WHERE i.{customer} = %s{bound} "
        f"ORDER BY i.{message} {'ASC' if ascending else 'DESC'} LIMIT %s"
    )
    extra = f", EXISTS(SELECT 1 FROM {receipts} o WHERE o.{customer} = %s AND o.{message} <= %s)" if ascending else ""
    return _select(f"r.{customer} = %s AND r.{message} IN ({ids})", extra=extra)


def _page_rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _any(ids: list[int]) -> tuple[str, list]:
    """`= ANY(%s)` with one array parameter on PostgreSQL (one prepared statement for any page size), else IN."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _items(rows: list[tuple]) -> list[TimelineItem]:
    items: dict[int, TimelineItem] = {}
    for row in rows:
        if row[0] not in items:  # a second attachment at position 0 would repeat the message: the first counts
            items[row[0]] = _item(row)
    return list(items.values())


def _json(value):
    """JSON columns arrive as text (Django registers a text loader for jsonb; SQLite stores text); most are empty."""
    if not isinstance(value, str):
        return value
    if value == "[]":
        return []
    if value == "{}":
        return {}
    return json.loads(value)


def _item(row: tuple) -> TimelineItem:
    (message_id, type_id, status, created, text, title, kind, buttons, carousel, replies, custom) = row[:11]
    agent, customer, media = row[11:15], row[15:22], row[22:26]
    return TimelineItem(
        message_id=message_id,
        type_id=type_id,
        status=status,
        time=created,
        text=text,
        title=title,
        author_kind=kind,
        buttons=_json(buttons),
        carousel=_json(carousel),
        quick_replies=_json(replies),
        custom=_json(custom),
        author_agent=AuthorAgent(*agent) if agent[0] is not None else None,
        author_customer=AuthorCustomer(*customer) if customer[0] is not None else None,
        media=MediaRef(*media) if media[0] is not None else None,
    )
