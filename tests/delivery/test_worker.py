"""The real queue: django-tasks-db's rows and our `db_worker` processes (PostgreSQL, as in production).

A worker killed in the middle of a delivery: the delivery still happens, once or more, never zero times.
"""

from __future__ import annotations

import signal
import threading

import pytest
from django.db import connection, transaction
from werkzeug import Response

from agents.delivery.webhooks import webhook_create, webhook_event_emit
from agents.models import Delivery, WorkerHeartbeat
from tests.processes import manage, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes share the test database on PostgreSQL; runs in CI"
    ),
]

WORKER_ENV = {
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    "DELIVERY_LEASE_SECONDS": "3",
    "DELIVERY_SWEEP_SECONDS": "0.5",
    "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true",
    "DJANGO_DEBUG": "false",
    "LOG_FORMAT": "plain",
}


@pytest.fixture
def database_queue(settings):
    """This process queues into the database, as the web server does; workers run in their own processes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def workers(tmp_path):
    started = []

    def start():
        process = manage("db_worker", "--interval", "0.2", "--no-startup-delay", env=WORKER_ENV, log=tmp_path / "w.log")
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def emit_event(account, url: str) -> Delivery:
    webhook = webhook_create(account=account, url=url, events=["user.created"])
    with transaction.atomic():
        [delivery] = webhook_event_emit(account_id=account.pk, event="user.created", data={"user": {"id": "u1"}})
    assert webhook.pk == delivery.webhook_id
    return delivery


def test_a_worker_delivers_what_the_web_process_queued(account, httpserver, database_queue, workers):
    httpserver.expect_request("/hook").respond_with_data("ok")
    delivery = emit_event(account, httpserver.url_for("/hook"))

    workers()

    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "delivered", timeout=30, what="the delivery")
    assert len(httpserver.log) == 1


def test_a_worker_killed_during_a_delivery_the_delivery_still_happens(account, httpserver, database_queue, workers):
    arrived, release = threading.Event(), threading.Event()

    def receiver(request):
        if not arrived.is_set():
            arrived.set()
            release.wait(30)  # the worker sending this is killed meanwhile: nobody reads the answer
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(receiver)
    delivery = emit_event(account, httpserver.url_for("/hook"))

    first = workers()
    assert arrived.wait(30), "the first worker never sent the delivery"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    release.set()
    held = Delivery.objects.get(pk=delivery.pk)
    workers()

    wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "delivered", timeout=40, what="the redelivery")
    done = Delivery.objects.get(pk=delivery.pk)
    ids = {request.headers["X-Webhook-Id"] for request, _ in httpserver.log}
    assert held.status == "sending"  # the dead worker's claim, until its lease ran out
    assert (done.attempts, len(httpserver.log), ids) == (2, 2, {delivery.event_id})


def test_a_running_worker_beats_and_readyz_sees_it(database_queue, workers, client):
    """The real process records its heartbeat (host, pid); /readyz of the web process reads it."""
    assert client.get("/readyz").json()["reasons"] == {"worker": "no task worker has ever been seen"}
    process = workers()

    beat = wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=30, what="the worker's heartbeat")

    assert beat.pid == process.pid
    response = client.get("/readyz")
    assert (response.status_code, response.json()["checks"]["worker"]) == (200, True)
