"""The per-device request quota of seed 004 (`quota-*` headers), counted in the shared cache."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from agents.models import Account
from messenger_project.cache import counter_add, hashed

UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class QuotaState:
    limit: int
    used: int
    interval: int
    unit: str
    reset_at: int  # Unix seconds when the window ends
    read: dict = field(default_factory=dict)  # other cache keys read in the same round trip

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def headers(self) -> dict[str, str]:
        return {
            "quota-interval": str(self.interval),
            "quota-limit": str(self.limit),
            "quota-reset-UTC": datetime.fromtimestamp(self.reset_at, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "quota-time-unit": self.unit,
            "quota-used": str(min(self.used, self.limit)),
        }


@dataclass(frozen=True)
class QuotaWindow:
    """Where one device's requests of the current window are counted."""

    account: Account
    key: str
    timeout: int  # the counter's life: the window and a minute
    reset_at: int

    def state(self, used: int, read: dict | None = None) -> QuotaState:
        account = self.account
        return QuotaState(
            limit=account.device_quota_limit,
            used=used,
            interval=account.device_quota_interval,
            unit=account.device_quota_time_unit,
            reset_at=self.reset_at,
            read=read or {},
        )


def quota_window(*, account: Account, device_id: str, now: float | None = None) -> QuotaWindow:
    window = account.device_quota_interval * UNIT_SECONDS[account.device_quota_time_unit]
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    return QuotaWindow(
        account=account,
        key=f"quota:{account.pk}:{hashed(device_id)}:{window_start}",
        timeout=window + 60,
        reset_at=window_start + window,
    )


def quota_hit(*, account: Account, device_id: str, now: float | None = None, read: tuple[str, ...] = ()) -> QuotaState:
    """Count one request of this device in the current fixed window. Atomic across processes with Redis.

    `read`: cache keys the request needs anyway (a poll's typing state), fetched in the same round trip."""
    window = quota_window(account=account, device_id=device_id, now=now)
    used, found = counter_add(window.key, 1, window.timeout, read=read)
    return window.state(used, found)
