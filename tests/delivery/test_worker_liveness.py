"""Worker liveness (#22): every `db_worker` sweep records a heartbeat; `/readyz` and the deliveries admin say when
no worker has beaten for WORKER_MISSING_AFTER_SECONDS (`agents.delivery.liveness`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agents.delivery.liveness import worker_beat
from agents.management.commands.db_worker import sweep_round
from agents.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def worker_queue(settings, time_machine):
    """Tasks wait in the database for a worker, as in production; the clock stands still unless moved."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WORKER_MISSING_AFTER_SECONDS = 120
    time_machine.move_to(START, tick=False)
    return time_machine


def test_a_sweep_round_records_the_worker_heartbeat(worker_queue):
    sweep_round()

    beat = WorkerHeartbeat.objects.get()
    assert beat.last_beat_at == START
    assert beat.pid > 0 and beat.host

    worker_queue.move_to(START + dt.timedelta(seconds=15), tick=False)
    sweep_round()

    assert WorkerHeartbeat.objects.get().last_beat_at == START + dt.timedelta(seconds=15)  # the same row, upserted


def test_readyz_is_ready_then_degraded_when_the_worker_goes_missing(client, worker_queue):
    sweep_round()

    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ready", "checks": {"database": True, "cache": True, "worker": True}},
    )

    worker_queue.move_to(START + dt.timedelta(seconds=120), tick=False)
    assert client.get("/readyz").json()["status"] == "ready"  # exactly the limit: still seen

    worker_queue.move_to(START + dt.timedelta(seconds=121), tick=False)
    response = client.get("/readyz")
    assert response.status_code == 200  # this process still serves: degraded, as without the cache
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": True, "cache": True, "worker": False},
        "reasons": {"worker": "the task worker has not been seen since 2026-12-06T12:00:00+00:00 (more than 120 s)"},
    }

    sweep_round()  # the worker is back
    assert client.get("/readyz").json()["status"] == "ready"


def test_readyz_says_missing_when_no_worker_was_ever_seen(client, worker_queue):
    response = client.get("/readyz")

    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert response.json()["reasons"] == {"worker": "no task worker has ever been seen"}


def test_the_limit_comes_from_the_settings(client, worker_queue, settings):
    settings.WORKER_MISSING_AFTER_SECONDS = 600
    sweep_round()
    worker_queue.move_to(START + dt.timedelta(seconds=500), tick=False)

    assert client.get("/readyz").json()["status"] == "ready"


def test_no_worker_check_where_tasks_run_in_process_or_the_check_is_off(client, settings, worker_queue):
    settings.WORKER_MISSING_AFTER_SECONDS = 0  # off
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": True, "cache": True}}

    settings.WORKER_MISSING_AFTER_SECONDS = 120
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # no worker
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"database": True, "cache": True}}


def test_the_rows_of_workers_gone_for_a_day_are_pruned(worker_queue):
    worker_beat(worker_id="gone-long-ago")
    worker_queue.move_to(START + dt.timedelta(hours=20), tick=False)
    worker_beat(worker_id="gone-yesterday")

    worker_queue.move_to(START + dt.timedelta(hours=24, seconds=1), tick=False)
    sweep_round()

    assert sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == sorted(
        ["gone-yesterday", WorkerHeartbeat.objects.exclude(worker_id__startswith="gone").get().worker_id]
    )


def test_the_deliveries_admin_shows_the_last_beat_or_a_banner(admin_client, worker_queue, settings):
    settings.TIME_ZONE = "UTC"
    page = admin_client.get("/admin/agents/delivery/").content.decode()
    assert "The task worker has never been seen — pushes and webhooks are waiting." in page

    sweep_round()
    page = admin_client.get("/admin/agents/delivery/").content.decode()
    assert "The task worker was last seen at 2026-12-06 12:00:00 UTC." in page
    assert "are waiting" not in page

    worker_queue.move_to(START + dt.timedelta(minutes=10), tick=False)
    page = admin_client.get("/admin/agents/delivery/").content.decode()
    assert "The task worker has not been seen since 2026-12-06 12:00:00 UTC — pushes and webhooks are waiting." in page


def test_the_admin_says_nothing_where_no_worker_is_expected(admin_client):
    page = admin_client.get("/admin/agents/delivery/").content.decode()

    assert "task worker" not in page


def test_a_beat_is_now(worker_queue):
    worker_beat()

    assert WorkerHeartbeat.objects.get().last_beat_at == timezone.now()


def test_a_check_that_cannot_tell_fails_readyz(client, worker_queue, monkeypatch):
    from messenger_project import health

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setitem(health._checks, "worker", broken)
    response = client.get("/readyz")

    assert (response.status_code, response.json()["status"]) == (200, "degraded")
    assert response.json()["reasons"] == {"worker": "the check failed"}
