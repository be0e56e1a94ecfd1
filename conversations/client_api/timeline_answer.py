"""The answer of `GET messages` (the latest page, `before:`, `after:`): built here, whether its rows come from the
database (`TimelineView`) or the cache (`cached_timeline`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from agents.business_hours_cache import account_chat_hours, account_sticky_message
from agents.models import Account


@dataclass(frozen=True)
class TimelineAnswer:
    data: orjson.Fragment  # the messages, a JSON array already written
    extra: dict[str, Any]  # the envelope's keys beside `data`: agent, paging, sticky and welcome messages


def timeline_answer(
    *,
    data: bytes,
    account: Account,
    agent: dict | None,
    newest_id: int | None,
    oldest_id: int | None,
    has_older: bool,
    after: int | None,
) -> TimelineAnswer:
    """`newest_id`/`oldest_id`: of the messages in `data` (None: none); `after`: the poll's cursor, echoed when
    nothing is newer."""
    if newest_id:
        newer = f"/messages/after:{newest_id}"
    elif after is not None:
        newer = f"/messages/after:{after}"
    else:
        newer = ""
    return TimelineAnswer(
        data=orjson.Fragment(data),
        extra={
            "agent": agent,
            "paging": {
                "before": f"/messages/before:{oldest_id}" if oldest_id is not None and has_older else "",
                "after": newer,
            },
            # Outside the account's business hours: its offline message (the schedule is cached).
            "stickyMessage": account_sticky_message(account, account_chat_hours(account)),
            "welcomeMessage": account.welcome_message or account.info_text or None,
        },
    )
