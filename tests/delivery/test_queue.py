"""The delivery queue: outbox rows written with the change, attempted after commit, retried on a schedule,
recovered when a worker dies during an attempt, retried by hand from the admin."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from werkzeug import Response

from agents.delivery import queue
from agents.delivery.queue import WEBHOOK_RETRY_DELAYS, deliveries_sweep
from agents.delivery.webhooks import subscriptions, webhook_create, webhook_event_emit
from agents.models import Delivery, Webhook
from tests.delivery.helpers import deliveries, requests_to

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def hook(account, httpserver) -> Webhook:
    return webhook_create(account=account, url=httpserver.url_for("/hook"), events=["ping", "user.created"])


def emit(account) -> None:
    with transaction.atomic():
        webhook_event_emit(account_id=account.pk, event="user.created", data={"user": {"id": "u1"}})


def test_nothing_leaves_before_commit_and_nothing_when_the_change_rolls_back(account, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")

    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_event_emit(account_id=account.pk, event="user.created", data={"user": {"id": "u1"}})
        assert requests_to(httpserver, "/hook") == []  # written, but not sent inside the transaction
        raise RuntimeError("the change fails")

    assert (Delivery.objects.count(), requests_to(httpserver, "/hook")) == (0, [])
    emit(account)
    assert len(requests_to(httpserver, "/hook")) == 1


def test_failures_are_retried_on_the_schedule_then_given_up(account, hook, httpserver, later):
    httpserver.expect_request("/hook").respond_with_data("down", status=503)

    emit(account)
    waits = []
    for delay in WEBHOOK_RETRY_DELAYS:
        [delivery] = deliveries()
        waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
        assert later(seconds=delay - 5) == 0  # not due yet: nothing is attempted
        later(seconds=5)

    [delivery] = deliveries()
    assert waits == list(WEBHOOK_RETRY_DELAYS)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 8, 503)
    assert delivery.last_error == "HTTP 503: down"
    assert len(requests_to(httpserver, "/hook")) == 8


def test_a_lease_that_ran_out_makes_the_delivery_due_again(account, hook, httpserver, later, settings):
    """A worker claimed the delivery and died before sending: the sweep gives it to another worker."""
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, never run
    emit(account)
    [delivery] = deliveries()
    assert queue._claim(delivery.pk) is not None  # the worker that is about to die
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    queued_while_held = deliveries_sweep()
    later(seconds=settings.DELIVERY_LEASE_SECONDS + 1)

    [delivery] = deliveries()
    assert queued_while_held == 0
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(requests_to(httpserver, "/hook")) == 1


def test_a_task_lost_between_commit_and_queue_is_queued_by_the_sweep(account, hook, httpserver, later, settings):
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the task goes nowhere
    emit(account)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    early = later(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS - 10)
    overdue = later(seconds=20)

    assert (early, overdue) == (0, 1)
    assert deliveries()[0].status == "delivered"
    assert len(requests_to(httpserver, "/hook")) == 1


def test_a_sender_that_crashes_is_retried_like_a_failure(account, hook, httpserver, later, monkeypatch):
    httpserver.expect_request("/hook").respond_with_data("ok")
    real = queue._senders[Delivery.Kind.WEBHOOK]
    monkeypatch.setitem(queue._senders, Delivery.Kind.WEBHOOK, lambda delivery: 1 / 0)

    emit(account)
    after_crash = deliveries()[0]
    monkeypatch.setitem(queue._senders, Delivery.Kind.WEBHOOK, real)
    later(seconds=WEBHOOK_RETRY_DELAYS[0])

    assert (after_crash.status, after_crash.last_error) == ("pending", "ZeroDivisionError: division by zero")
    assert deliveries()[0].status == "delivered"


def test_an_early_duplicate_task_does_nothing(account, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    emit(account)
    [delivery] = deliveries()

    outcome = queue.delivery_attempt(delivery_id=delivery.pk)  # a second task for the same delivery, too early

    assert outcome == "skipped"
    assert deliveries()[0].attempts == 1


def test_admin_retry_now_attempts_a_failed_delivery_at_once(account, hook, httpserver, admin_client):
    responses = iter([("gone for now", 400), ("ok", 200)])
    httpserver.expect_request("/hook").respond_with_handler(lambda request: _respond(*next(responses)))
    Delivery.objects.all().delete()
    emit(account)
    Delivery.objects.update(status="failed", next_attempt_at=None)
    [delivery] = deliveries()

    page = admin_client.get("/admin/agents/delivery/", {"q": delivery.event_id})
    response = admin_client.post(
        "/admin/agents/delivery/", {"action": "retry_now", "_selected_action": [delivery.pk]}, follow=True
    )

    assert delivery.event_id in page.content.decode()
    assert "1 queued for an attempt now." in response.content.decode()
    assert (deliveries()[0].status, len(requests_to(httpserver, "/hook"))) == ("delivered", 2)


def _respond(body: str, status: int) -> Response:
    return Response(body, status=status)


def test_deliveries_due_are_found_by_an_index(django_assert_max_num_queries, account, hook, httpserver):
    """The sweep is two statements however many deliveries wait (it runs every few seconds in every worker)."""
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    for _ in range(5):
        emit(account)
    Delivery.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))

    with django_assert_max_num_queries(2):
        deliveries_sweep()


def test_prune_forgets_finished_deliveries_only(account, hook, httpserver, time_machine):
    httpserver.expect_request("/hook").respond_with_data("ok")
    time_machine.move_to(timezone.now() - timedelta(days=31), tick=True)
    emit(account)  # delivered 31 days ago
    Delivery.objects.create(account=account, kind="webhook", target="x", event_type="ping", status="pending")
    time_machine.move_to(timezone.now() + timedelta(days=31), tick=True)
    emit(account)  # delivered today
    out = StringIO()

    call_command("prune_deliveries", "--days", "30", stdout=out)

    assert out.getvalue() == "Deleted 1 finished deliveries.\n"
    assert sorted(Delivery.objects.values_list("status", flat=True)) == ["delivered", "pending"]


def test_a_retry_after_of_years_waits_a_day_at_most(account, hook, httpserver):
    httpserver.expect_request("/hook").respond_with_data("busy", status=503, headers={"Retry-After": "9" * 20})

    emit(account)

    [delivery] = deliveries()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert delivery.status == "pending" and 86000 < wait <= 86400


def test_an_answer_slower_than_the_timeout_is_a_failure(account, hook, httpserver, settings):
    settings.DELIVERY_HTTP_TIMEOUT_SECONDS = 0.3
    httpserver.expect_request("/hook").respond_with_handler(lambda request: time.sleep(0.6) or Response("late"))

    emit(account)

    [delivery] = deliveries()
    assert (delivery.status, delivery.last_error) == ("pending", "No answer within 0.3 s.")
    # The receiver logs the late request within this test: else it lands in the next test's request log.
    deadline = time.monotonic() + 5
    while not requests_to(httpserver, "/hook") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(requests_to(httpserver, "/hook")) == 1


def test_an_event_for_a_webhook_deleted_meanwhile_is_cancelled_not_an_error(account, hook, httpserver):
    """Another process may still hold the account's webhooks in its own cache for a few seconds after a delete."""
    httpserver.expect_request("/hook").respond_with_data("ok")
    stale = subscriptions(account.pk)
    hook.delete()
    caches["local"].set(f"webhooks:{account.pk}", stale)  # that other process's copy

    emit(account)

    [delivery] = deliveries()
    assert (delivery.status, delivery.last_error) == ("cancelled", "The webhook was deleted.")
    assert requests_to(httpserver, "/hook") == []
