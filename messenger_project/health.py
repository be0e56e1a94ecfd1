"""Probes for load balancers and orchestrators: `/healthz` (the process answers) and `/readyz` (it can work)."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
    ready = all(checks.values())
    return JsonResponse({"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
