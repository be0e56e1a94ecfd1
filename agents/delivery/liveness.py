"""Is a task worker alive? Each `db_worker` records a heartbeat (`worker_beat`, from its sweep); `/readyz` and the
deliveries admin ask `worker_liveness`.

The check applies only where tasks wait for a worker: with django-tasks-db's DatabaseBackend (the default). With a
backend that runs tasks in the request's process (ImmediateBackend: tests, an embedded setup) there is no worker
to miss. WORKER_MISSING_AFTER_SECONDS = 0 turns the check off (a worker watched some other way).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from agents.models import WorkerHeartbeat

WORKER_BACKENDS = {"django_tasks_db.DatabaseBackend", "django_tasks_db.backend.DatabaseBackend"}
PRUNE_AFTER = timedelta(days=1)
# One per process: a container's worker is often pid 1, so host and pid alone are not unique over restarts.
WORKER_ID = uuid.uuid4().hex
STARTED_AT = timezone.now()


@dataclass(frozen=True)
class Liveness:
    ok: bool
    last_beat_at: datetime | None
    missing_after: int

    @property
    def reason(self) -> str:
        if self.ok:
            return ""
        if self.last_beat_at is None:
            return "no task worker has ever been seen"
        return (
            f"the task worker has not been seen since {self.last_beat_at.isoformat()} "
            f"(more than {self.missing_after} s)"
        )


def worker_expected() -> bool:
    """Do tasks wait for a worker here (and is the check on)?"""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend in WORKER_BACKENDS and settings.WORKER_MISSING_AFTER_SECONDS > 0


def worker_beat(*, worker_id: str = WORKER_ID) -> None:
    """This worker is alive (its sweep calls this each round); the rows of workers gone for a day are pruned."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_beat_at": now},
        create_defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": STARTED_AT,
            "last_beat_at": now,
        },
    )
    WorkerHeartbeat.objects.filter(last_beat_at__lt=now - PRUNE_AFTER).delete()


def worker_liveness() -> Liveness | None:
    """None where no worker is expected; otherwise whether some worker beat in the last WORKER_MISSING_AFTER_SECONDS."""
    if not worker_expected():
        return None
    missing_after = settings.WORKER_MISSING_AFTER_SECONDS
    last = WorkerHeartbeat.objects.order_by("-last_beat_at").values_list("last_beat_at", flat=True).first()
    ok = last is not None and last >= timezone.now() - timedelta(seconds=missing_after)
    return Liveness(ok=ok, last_beat_at=last, missing_after=missing_after)


def worker_readiness() -> tuple[bool, str] | None:
    """The "worker" check of /readyz (`messenger_project.health.readiness_check`)."""
    liveness = worker_liveness()
    return None if liveness is None else (liveness.ok, liveness.reason)
