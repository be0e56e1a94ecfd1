"""Probes for load balancers and orchestrators: `/healthz` (the process answers) and `/readyz` (it can work).

`/readyz`: 503 without the database; 200 `degraded` without the cache, since every request then answers from the
database (`messenger_project.cache`)."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from messenger_project.cache import RedisCache, unreachable_warn

logger = logging.getLogger("messenger.health")


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
    return JsonResponse({"status": "ready" if checks["cache"] else "degraded", "checks": checks})
