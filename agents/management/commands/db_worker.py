"""django-tasks-db's `db_worker`, with the delivery sweep beside it (and the snoozed conversations' wake-up).

The worker of django-tasks-db leaves a task it was running when it died in "running" for ever; our deliveries
carry their own lease instead. Every worker therefore sweeps now and then (DELIVERY_SWEEP_SECONDS): a delivery
whose lease ran out, or whose task was lost, is queued again, so each is attempted at least once. The same round
wakes the snoozed conversations whose time has come (`conversations_wake_due`), turns agents idle for
DESK_AWAY_AFTER_SECONDS away and drains the routing queues (`agents_idle_away`, `routing_drain_due`: opening time,
agents back, a drain that failed) and deletes the conversations past their account's retention (`retention_apply`,
a batch a round), and deletes from storage the files of deleted media that it could not delete at once
(`stored_files_delete`). Each round first records the worker's heartbeat (`worker_beat`), which /readyz
checks (WORKER_MISSING_AFTER_SECONDS).
This app comes before django_tasks_db in INSTALLED_APPS, so this command replaces theirs.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from agents.delivery.liveness import worker_beat
from agents.delivery.queue import deliveries_sweep
from conversations.media import stored_files_delete
from conversations.services import agents_idle_away, conversations_wake_due, routing_drain_due
from conversations.services.retention import retention_apply

logger = logging.getLogger(__name__)


class DeliverySweeper(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="delivery-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            sweep_once()
            self.stopped.wait(self.interval)
        connection.close()

    def stop(self) -> None:
        self.stopped.set()


def sweep_once() -> None:
    close_old_connections()
    sweep_round()


def sweep_round() -> None:
    """One round of the sweep, on the connection at hand (the tests call it: `sweep_once` closes old connections)."""
    try:
        worker_beat()  # first: /readyz and the deliveries admin see this worker alive
    except Exception:
        logger.exception("worker heartbeat failed")
    try:
        queued = deliveries_sweep()
    except Exception:  # the database may be away for a moment: try again next round
        logger.exception("delivery sweep failed")
    else:
        if queued:
            logger.info("delivery sweep queued %d deliveries again", queued)
    for name, job in (
        ("snooze wake-up", conversations_wake_due),
        ("idle agents away", lambda: agents_idle_away(idle_seconds=settings.DESK_AWAY_AFTER_SECONDS)),
        ("routing queue", routing_drain_due),
        ("retention", retention_apply),
        ("stored files deleted", stored_files_delete),
    ):
        try:
            done = job()
        except Exception:  # as above: the next round tries again
            logger.exception("%s failed", name)
            continue
        if done:
            logger.info("%s: %d", name, done)


class Command(DatabaseWorkerCommand):
    help = "Run a database background worker, with the delivery sweep (deliveries whose worker died or task got lost)"

    def handle(self, *args, **options):
        in_reloader_parent = options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        sweeper = None
        if options.get("batch"):
            sweep_once()
        elif not in_reloader_parent:
            sweeper = DeliverySweeper(interval=settings.DELIVERY_SWEEP_SECONDS)
            sweeper.start()
        try:
            return super().handle(*args, **options)
        finally:
            if sweeper is not None:
                sweeper.stop()
