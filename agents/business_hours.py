"""Business hours: whether an account is open at a moment, and when it opens next.

An account without `business_hours_enabled` is always open. With it, it is open inside one of its weekly
`OpeningHours` periods (in the account's time zone; `closes` 00:00 is midnight at the end of the day) and never on
one of its `Holiday` dates. Pass `hours`/`holidays` already read to ask many times without a query each."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.utils import timezone

from agents.models import Account, Holiday, OpeningHours

# How far ahead `account_next_opening` looks (a schedule with no opening for this long is closed for good).
LOOKAHEAD_DAYS = 400


def account_zone(account: Account) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(account.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _periods(hours: Iterable[OpeningHours]) -> dict[int, list[tuple[dt.time, dt.time | None]]]:
    by_day: dict[int, list[tuple[dt.time, dt.time | None]]] = {}
    for period in hours:
        closes = None if period.closes == dt.time(0) else period.closes  # None: until midnight
        by_day.setdefault(period.weekday, []).append((period.opens, closes))
    return by_day


def _read(account: Account, hours, holidays) -> tuple[list[OpeningHours], set[dt.date]]:
    if hours is None:
        hours = list(OpeningHours.objects.filter(account=account))
    if holidays is None:
        holidays = set(Holiday.objects.filter(account=account).values_list("date", flat=True))
    return list(hours), set(holidays)


def account_is_open(
    account: Account,
    at: dt.datetime | None = None,
    *,
    hours: Iterable[OpeningHours] | None = None,
    holidays: Iterable[dt.date] | None = None,
) -> bool:
    if not account.business_hours_enabled:
        return True
    hours, holidays = _read(account, hours, holidays)
    local = (at or timezone.now()).astimezone(account_zone(account))
    if local.date() in holidays:
        return False
    now = local.time().replace(tzinfo=None)
    return any(
        opens <= now and (closes is None or now < closes) for opens, closes in _periods(hours).get(local.weekday(), [])
    )


def account_next_opening(
    account: Account,
    at: dt.datetime | None = None,
    *,
    hours: Iterable[OpeningHours] | None = None,
    holidays: Iterable[dt.date] | None = None,
) -> dt.datetime | None:
    """The next moment the account opens (`at` itself when open now); None when its schedule never opens."""
    at = at or timezone.now()
    if account_is_open(account, at, hours=hours, holidays=holidays):
        return at
    hours, holidays = _read(account, hours, holidays)
    periods = _periods(hours)
    if not periods:
        return None
    zone = account_zone(account)
    local = at.astimezone(zone)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        if day in holidays:
            continue
        for opens, _closes in sorted(periods.get(day.weekday(), [])):
            start = dt.datetime.combine(day, opens, tzinfo=zone)
            if start > local:
                return start.astimezone(dt.UTC)
    return None
