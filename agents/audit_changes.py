"""What an audit entry says changed: `{field: [old, new]}`, with secrets as `"changed"` and never their values.

Values are kept as JSON (a related row as its name, a date as ISO text) so that the entry reads the same after the
row is gone. Domain code: imports Django and nothing of the surfaces.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

#: What an entry shows for a secret that changed (its old and new values are never stored).
SECRET_CHANGED = "changed"

# A field whose name holds one of these is a secret: the accounts' authorization and shared secrets, webhook
# secrets, OAuth client secrets, the APNs .p8 key, the FCM service account key, API key digests, passwords.
SECRET_WORDS = ("secret", "password", "private_key", "digest", "service_account")

Changes = dict[str, Any]


def is_secret(name: str) -> bool:
    return any(word in name for word in SECRET_WORDS)


def plain(value: Any) -> Any:
    """`value` as JSON: a row as its name, a date as ISO text, a file as its name, collections element-wise."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset, models.QuerySet)):
        return [plain(item) for item in value]
    return str(value)


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """The fields whose value differs between the two snapshots: `{field: [old, new]}`, a secret as "changed"."""
    found: Changes = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = plain(before.get(name)), plain(after.get(name))
        if old != new:
            found[name] = SECRET_CHANGED if is_secret(name) else [old, new]
    return found


def snapshot(instance: models.Model | None, names: Iterable[str]) -> dict[str, Any]:
    """The values of `names` on `instance` (a many-to-many field as its rows); nothing for no instance."""
    if instance is None:
        return {}
    values = {}
    for name in names:
        try:
            field = instance._meta.get_field(name)
        except Exception:  # noqa: BLE001  (a form field of no model field: not part of the row)
            continue
        if field.many_to_many:
            values[name] = list(getattr(instance, name).all()) if instance.pk else []
        elif field.concrete:
            values[name] = getattr(instance, name)
    return values


def describe(changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The changes as (field, "old → new") lines for people; a secret reads "changed"."""
    lines = []
    for name, change in changes.items():
        if change == SECRET_CHANGED or not isinstance(change, list) or len(change) != 2:
            lines.append((name, SECRET_CHANGED))
        else:
            lines.append((name, f"{_shown(change[0])} → {_shown(change[1])}"))
    return lines


def _shown(value: Any) -> str:
    if value in (None, "", [], {}):
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={_shown(item)}" for key, item in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
