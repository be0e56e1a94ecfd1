"""Probes for load balancers and orchestrators: `/healthz` (the process answers) and `/readyz` (it can work).

`/readyz`: 503 without the database; 200 `degraded` without the cache, since every request then answers from the
database (`messenger_project.cache`).
The apps add their own checks (`readiness_check`, from their AppConfig.ready): the task worker's heartbeat
(`agents.delivery.liveness`). Each answers None (does not apply here), or (ok, reason); a failing one makes /readyz
200 `degraded` with its reason under `reasons`, as the cache does: this process still serves every request (a 503
would take every web server out of a load balancer because the worker is gone). They run only when the database
answers."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from messenger_project.cache import RedisCache, unreachable_warn

logger = logging.getLogger("messenger.health")

ReadinessCheck = Callable[[], "tuple[bool, str] | None"]
_checks: dict[str, ReadinessCheck] = {}


def readiness_check(name: str, check: ReadinessCheck) -> None:
    """Register a check of /readyz (from an AppConfig.ready)."""
    _checks[name] = check


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001  (any failure means not ready)
        logger.exception("readiness: database unreachable")
        return False


def _cache() -> bool:
    cache = caches["default"]
    if isinstance(cache, RedisCache):  # its reads miss quietly in an outage: ask Redis itself
        if cache.reachable():
            return True
        unreachable_warn("readiness", ConnectionError("no answer to PING"))
        return False
    probe = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(probe, 1, 5)
        ok = cache.get(probe) == 1
        cache.delete(probe)
        return ok
    except Exception:  # noqa: BLE001
        logger.exception("readiness: cache unreachable")
        return False


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _database(), "cache": _cache()}
    if not checks["database"]:
        return JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    reasons = {}
    for name, check in _checks.items():
        try:
            answer = check()
        except Exception:  # noqa: BLE001  (a check that cannot tell is a failing one)
            logger.exception("readiness: check %s failed", name)
            answer = (False, "the check failed")
        if answer is None:
            continue
        checks[name], reason = answer
        if not checks[name]:
            reasons[name] = reason
            logger.warning("readiness: %s: %s", name, reason)
    if reasons:
        return JsonResponse({"status": "degraded", "checks": checks, "reasons": reasons})
    return JsonResponse({"status": "ready" if checks["cache"] else "degraded", "checks": checks})
