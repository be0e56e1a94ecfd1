"""Hand-written SELECTs that still name tables and columns from the models, for the few hottest queries.

On those paths (every poll, every posted message) the ORM took longer to build the query and the instances than
PostgreSQL took to answer. `Columns` lists what to read of each model; `instances()` turns a row into model
instances with the other fields deferred, exactly as `.only()` would leave them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Model


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[Model]) -> str:
    return quote(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    return quote(model._meta.get_field(field).column)


@dataclass(frozen=True)
class Columns:
    """Some fields of a model read under a table alias; `names` are kept in the model's field order, and each has
    the converters the ORM would apply to it (JSON decoding, SQLite's datetimes and booleans, …)."""

    alias: str
    model: type[Model]
    names: tuple[str, ...]
    converters: tuple[tuple, ...]

    @classmethod
    def of(cls, alias: str, model: type[Model], fields: tuple[str, ...]) -> Columns:
        wanted = set(fields)
        chosen = [f for f in model._meta.concrete_fields if f.attname in wanted or f.name in wanted]
        converters = []
        for field in chosen:
            col = field.get_col(alias)
            converters.append((col, tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))))
        return cls(alias, model, tuple(f.attname for f in chosen), tuple(converters))

    def select(self) -> str:
        return ", ".join(f"{self.alias}.{quote(self.model._meta.get_field(n).column)}" for n in self.names)

    def convert(self, values: tuple) -> tuple | list:
        if not any(converters for _, converters in self.converters):
            return values  # the common case on PostgreSQL: nothing to convert
        converted = list(values)
        for index, (col, converters) in enumerate(self.converters):
            for converter in converters:
                converted[index] = converter(converted[index], col, connection)
        return converted


def select_list(*parts: Columns) -> str:
    return ", ".join(part.select() for part in parts)


def instances(row: tuple, *parts: Columns) -> list[Model | None]:
    """One instance per part from consecutive columns of `row` (None where its primary key is NULL: an outer join
    that found nothing)."""
    found, start = [], 0
    for part in parts:
        values = row[start : start + len(part.names)]
        start += len(part.names)
        if values[0] is None:
            found.append(None)
        else:
            found.append(part.model.from_db(connection.alias, part.names, part.convert(values)))
    return found


def for_update(of: str) -> str:
    """` FOR UPDATE OF alias` where the database locks rows (SQLite serialises writers instead)."""
    return f" FOR UPDATE OF {of}" if connection.features.has_select_for_update_of else ""
