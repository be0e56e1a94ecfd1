"""Timestamps as the integration API and webhooks write them."""

from __future__ import annotations

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    """ISO 8601 UTC with `Z`, the timestamps of the [S1], [S3] and [X] families (§1)."""
    return value.isoformat().replace("+00:00", "Z") if value else None
