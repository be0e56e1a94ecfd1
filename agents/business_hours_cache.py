"""Business hours as the chat's hot paths ask them (`GET config`, every `GET messages…`): open now or not, when it
opens next, and the sticky text that follows from it.

An account's schedule (its weekly `OpeningHours` and its `Holiday` dates) is read once and kept in the shared cache
and, for LOCAL_SECONDS, in each process (`messenger_project.cache.cached`), so a poll asks no database. Saving or
deleting an opening period, a holiday or the account forgets it (`agents.signals`). The cache unreachable: the
schedule is read from the database (the cache backend misses and skips quietly), never an error. An account without
`business_hours_enabled` is always open and never reads its schedule."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from agents.business_hours import account_is_open, account_next_opening
from agents.models import Account, Holiday, OpeningHours
from messenger_project.cache import cached, forget

SCHEDULE_CACHE_SECONDS = 3600

# The sticky text while closed when the account wrote no offline message, in the chat's language.
DEFAULT_OFFLINE_MESSAGES = {
    "en": "We're closed right now. Leave a message and we'll get back to you as soon as we're open.",
    "nl": "We zijn nu gesloten. Laat een bericht achter, dan reageren we zodra we weer open zijn.",
}


@dataclass(frozen=True)
class ChatHours:
    online: bool  # open now (always, without business hours)
    opens_at: dt.datetime | None  # closed: the next opening (UTC), None when the schedule never opens


ALWAYS_OPEN = ChatHours(online=True, opens_at=None)


@dataclass(frozen=True)
class Schedule:
    hours: tuple[tuple[int, dt.time, dt.time], ...]  # (weekday, opens, closes)
    holidays: frozenset[dt.date]

    def opening_hours(self) -> list[OpeningHours]:
        return [OpeningHours(weekday=day, opens=opens, closes=closes) for day, opens, closes in self.hours]


def _key(account_id: int) -> str:
    return f"business-hours:{account_id}"


def _read(account_id: int) -> Schedule:
    return Schedule(
        hours=tuple(OpeningHours.objects.filter(account_id=account_id).values_list("weekday", "opens", "closes")),
        holidays=frozenset(Holiday.objects.filter(account_id=account_id).values_list("date", flat=True)),
    )


def account_schedule(account: Account) -> Schedule:
    """The account's weekly hours and holidays, cached; from the database when the cache is unreachable."""
    return cached(_key(account.pk), partial(_read, account.pk), timeout=SCHEDULE_CACHE_SECONDS)


def schedule_forget(account_id: int) -> None:
    """Now, and again after the commit: a request in between may have cached the old schedule again."""
    forget(_key(account_id))
    transaction.on_commit(partial(forget, _key(account_id)))


def account_chat_hours(account: Account, at: dt.datetime | None = None) -> ChatHours:
    if not account.business_hours_enabled:
        return ALWAYS_OPEN
    schedule = account_schedule(account)
    at = at or timezone.now()
    hours = schedule.opening_hours()
    if account_is_open(account, at, hours=hours, holidays=schedule.holidays):
        return ALWAYS_OPEN
    return ChatHours(online=False, opens_at=account_next_opening(account, at, hours=hours, holidays=schedule.holidays))


def account_sticky_message(account: Account, hours: ChatHours) -> str | None:
    """The chat's sticky text: the offline message (or a default) while closed, else the account's sticky text."""
    if not hours.online:
        return account.offline_message.strip() or DEFAULT_OFFLINE_MESSAGES.get(
            account.chat_language, DEFAULT_OFFLINE_MESSAGES["en"]
        )
    return account.sticky_message or None
