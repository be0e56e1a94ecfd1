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
from datetime import UTC, datetime

from django.db import connection

from conversations.models import Media, Message, Receipt
from devices.models import Customer

PAGE_SIZE = 50


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
    created_at: datetime
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
    """A page of the customer's timeline, newest first.

    - neither cursor: the `limit` highest ids;
    - `before=X`: the `limit` highest ids below X;
    - `after=X`: the `limit` *lowest* ids above X, so a poller catches up page by page without a gap.
    Step 1 takes the page's ids from the unique index (customer_id, message_id) of Receipt alone; step 2 loads just
    those rows. One query with the joins lets PostgreSQL merge-join along the messages' primary key from the
    newest message of anyone, which grows with the whole history; this stays O(page). An empty poll stops after
    step 1.
    """
    if before is not None and after is not None:
        raise ValueError("before and after are exclusive")
    if after is not None:
        ids = _receipt_ids(customer.pk, ">", after, ascending=True, limit=limit)
        has_older = bool(ids) and bool(_receipt_ids(customer.pk, "<", ids[0], ascending=False, limit=1))
    else:
        ids = _receipt_ids(customer.pk, "<", before, ascending=False, limit=limit + 1)
        has_older = len(ids) > limit
        ids = ids[:limit]
    return TimelinePage(items=timeline_items(customer_id=customer.pk, message_ids=ids), has_older=has_older)


def timeline_items(*, customer_id: int, message_ids: list[int]) -> list[TimelineItem]:
    """These messages of the customer's timeline (others are left out), newest first, with their authors and first
    attachments: one query whatever the number."""
    if not message_ids:
        return []
    condition, params = _any(message_ids)
    with connection.cursor() as cursor:
        # The id range leads PostgreSQL's generic plan (a prepared statement) to the (customer_id, message_id)
        # index; with the list alone it guessed the list long and scanned all of a customer's receipts.
        cursor.execute(_items_sql(condition), [customer_id, min(message_ids), max(message_ids), *params])
        rows = cursor.fetchall()
    items: dict[int, TimelineItem] = {}
    for row in rows:
        if row[0] not in items:  # a second attachment at position 0 would repeat the message: the first counts
            items[row[0]] = _item(row)
    return list(items.values())


# --- the SQL ----------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


@functools.cache
def _receipt_ids_sql(comparison: str, ascending: bool) -> str:
    message = _column(Receipt, "message")
    bound = f" AND {message} {comparison} %s" if comparison else ""
    return (
        f"SELECT {message} FROM {_q(Receipt._meta.db_table)} WHERE {_column(Receipt, 'customer')} = %s{bound} "
        f"ORDER BY {message} {'ASC' if ascending else 'DESC'} LIMIT %s"
    )


def _receipt_ids(customer_id: int, comparison: str, cursor: int | None, *, ascending: bool, limit: int) -> list[int]:
    """Message ids of the customer's timeline, `comparison` (">" or "<") `cursor` (None: unbounded), in id order."""
    if cursor is None:
        comparison = ""
    params = [customer_id, cursor, limit] if comparison else [customer_id, limit]
    with connection.cursor() as db:
        db.execute(_receipt_ids_sql(comparison, ascending), params)
        return [row[0] for row in db.fetchall()]


ITEM_COLUMNS = (
    ("r", Receipt, ("message", "type_id", "status")),
    ("m", Message, ("created_at", "text", "title", "author_kind", "buttons", "carousel", "quick_replies", "custom")),
    ("a", Message._meta.get_field("author_agent").related_model, ("id", "display_name", "avatar", "is_bot")),
    ("c", Customer, ("id", "uuid", "number", "name", "first_name", "last_name", "photo_url")),
    ("f", Media, ("account", "file", "mime_type", "original_name")),  # the first attachment (position 0)
)


def _any(ids: list[int]) -> tuple[str, list]:
    """`= ANY(%s)` with one array parameter on PostgreSQL (one prepared statement for any page size), else IN."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


@functools.cache
def _items_sql(condition: str) -> str:
    columns = ", ".join(f"{alias}.{_column(model, name)}" for alias, model, names in ITEM_COLUMNS for name in names)
    agent = ITEM_COLUMNS[2][1]
    return (
        f"SELECT {columns} FROM {_q(Receipt._meta.db_table)} r "
        f"INNER JOIN {_q(Message._meta.db_table)} m ON m.id = r.{_column(Receipt, 'message')} "
        f"LEFT OUTER JOIN {_q(agent._meta.db_table)} a ON a.id = m.{_column(Message, 'author_agent')} "
        f"LEFT OUTER JOIN {_q(Customer._meta.db_table)} c ON c.id = m.{_column(Message, 'author_customer')} "
        f"LEFT OUTER JOIN {_q(Media._meta.db_table)} f "
        f"ON f.{_column(Media, 'message')} = m.id AND f.{_column(Media, 'position')} = 0 "
        f"WHERE r.{_column(Receipt, 'customer')} = %s AND r.{_column(Receipt, 'message')} BETWEEN %s AND %s "
        f"AND r.{_column(Receipt, 'message')} {condition} "
        f"ORDER BY r.{_column(Receipt, 'message')} DESC, f.id"
    )


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
    (message_id, type_id, status, created_at, text, title, kind, buttons, carousel, replies, custom) = row[:11]
    agent, customer, media = row[11:15], row[15:22], row[22:26]
    if isinstance(created_at, str):  # SQLite without converters
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:  # SQLite: stored in UTC, read naive
        created_at = created_at.replace(tzinfo=UTC)
    return TimelineItem(
        message_id=message_id,
        type_id=type_id,
        status=status,
        created_at=created_at,
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
