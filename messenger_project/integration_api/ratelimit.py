"""Per-account rate limit of the integration API (§6): weighted requests in a sliding minute, in the cache."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from messenger_project.cache import counter_add

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateState:
    limit: int
    used: float
    allowed: bool
    retry_after: int

    @property
    def remaining(self) -> int:
        return max(0, int(self.limit - self.used))

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit-Minute": str(self.limit), "X-RateLimit-Remaining-Minute": str(self.remaining)}


def rate_limit_hit(*, account_id: int, weight: int, now: float | None = None) -> RateState:
    """Count `weight` unless the sliding minute would go over the limit; a refused request is not counted.

    The sliding minute is the current fixed minute plus the previous one weighted by how much of it still
    overlaps (the usual two-bucket approximation).
    """
    limit = settings.INTEGRATION_RATE_LIMIT_PER_MINUTE
    now = time.time() if now is None else now
    minute = int(now // WINDOW_SECONDS)
    current_key, previous_key = f"ratelimit:{account_id}:{minute}", f"ratelimit:{account_id}:{minute - 1}"
    counts = cache.get_many([current_key, previous_key])
    overlap = 1 - (now % WINDOW_SECONDS) / WINDOW_SECONDS
    used = counts.get(current_key, 0) + counts.get(previous_key, 0) * overlap
    if used + weight > limit:
        return RateState(limit=limit, used=used, allowed=False, retry_after=max(1, int(WINDOW_SECONDS - now % 60)))
    current, _ = counter_add(current_key, weight, WINDOW_SECONDS * 2 + 5)
    used = current + counts.get(previous_key, 0) * overlap
    return RateState(limit=limit, used=used, allowed=True, retry_after=0)
