"""Hand-written statements that still name tables and columns from the models, for the few hottest queries.

On those paths (every poll, every posted message) the ORM took longer to build the query and the instances than
PostgreSQL took to answer. `Columns` lists what to read of each model; `instances()` turns a row into model
instances with the other fields deferred, exactly as `.only()` would leave them. `insert()` and `update()` write
what `save()` would write (`pre_save`, so `auto_now` too, and each field's own preparation), and no more: no
signals (keep them for models that have no receivers).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import NOT_PROVIDED, Field, Model


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


@dataclass(frozen=True)
class Statement:
    sql: str
    params: list


@functools.cache
def insert_fields(model: type[Model]) -> tuple[Field, ...]:
    """The fields an INSERT writes: every concrete field but the auto primary key and generated ones.

    Only for what a plain INSERT can write as `save()` does: no parent model, no database default (the ORM would
    write DEFAULT), nothing but the primary key returned."""
    meta = model._meta
    if meta.parents or any(
        f.db_default is not NOT_PROVIDED or f.db_returning for f in meta.local_concrete_fields if not f.primary_key
    ):
        raise TypeError(f"messenger_project.sql cannot write {model.__name__}: use the ORM")
    return tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated)


def insert_values(instance: Model, fields: tuple[Field, ...]) -> list:
    db = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy, which looks it up again on every use
    return _prepared([(f, f.pre_save(instance, True)) for f in fields], db)


def _prepared(values: list[tuple[Field, object]], db) -> list:
    """Each value as the field sends it to the database; an expression (`F()`, `Now()`) is the ORM's to compile."""
    prepared = []
    for field, value in values:
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{field.name}: an expression cannot be written by messenger_project.sql")
        prepared.append(field.get_db_prep_save(value, db))
    return prepared


@functools.cache
def _insert_sql(model: type[Model], returning_pk: bool) -> str:
    fields = insert_fields(model)
    sql = (
        f"INSERT INTO {table(model)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql + f" RETURNING {quote(model._meta.pk.column)}" if returning_pk else sql


def insert(instance: Model, *, returning_pk: bool = True) -> Statement:
    """`INSERT` of one instance; with `returning_pk`, `RETURNING` its new primary key."""
    model = type(instance)
    return Statement(_insert_sql(model, returning_pk), insert_values(instance, insert_fields(model)))


def insert_rows(instances: list[Model]) -> Statement:
    """One `INSERT` of several instances of a model (at least one)."""
    model = type(instances[0])
    fields = insert_fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    return Statement(
        _insert_sql(model, False) + f", {row}" * (len(instances) - 1),
        [v for instance in instances for v in insert_values(instance, fields)],
    )


@functools.cache
def _update_sql(model: type[Model], fields: tuple[str, ...]) -> tuple[str, tuple[Field, ...]]:
    chosen = tuple(model._meta.get_field(name) for name in fields)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in chosen)
    return f"UPDATE {table(model)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s", chosen


def update(instance: Model, fields: list[str]) -> Statement:
    """`UPDATE` of these fields of one instance, by its primary key, as `save(update_fields=fields)` writes them.

    Unlike `save()`, it does not check that a row was updated: for a row the caller holds locked."""
    sql, chosen = _update_sql(type(instance), tuple(fields))
    db = connections[DEFAULT_DB_ALIAS]
    values = _prepared([(f, f.pre_save(instance, False)) for f in chosen], db)
    return Statement(sql, [*values, instance._meta.pk.get_db_prep_save(instance.pk, db)])


def instance_saved(instance: Model, pk: int) -> None:
    """`instance` as `save()` leaves it once its INSERT returned `pk`."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
