"""The life of a delivery: recorded with the change it reports, attempted after commit, retried, given up.

- `deliveries_create` writes outbox rows in the caller's transaction and queues their first attempt on commit.
- `delivery_attempt` (the task) claims one under a lease, hands it to the sender of its kind, records how it
  went and schedules the next attempt with back-off.
- `deliveries_sweep` (run by every worker) makes deliveries due again whose worker died during an attempt
  (lease ran out) or whose task was lost, so each is attempted at least once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from agents.models import Delivery

logger = logging.getLogger(__name__)

Kind = Delivery.Kind
Status = Delivery.Status

# Seconds to wait after the 1st, 2nd, … failed attempt; once they run out the delivery fails.
WEBHOOK_RETRY_DELAYS = (60, 300, 1800, 7200, 21600, 43200, 86400)  # integration API §8.8
PUSH_RETRY_DELAYS = (10, 60, 300, 1800)  # a push hours late is noise
EMAIL_RETRY_DELAYS = (60, 300, 1800, 7200)
MAX_RETRY_AFTER = 86400  # a receiver's Retry-After is honoured up to a day
# Typing indicators are stale within seconds: never retried.
UNRETRIED_EVENTS = {"startTyping", "stopTyping"}


class DeliveryError(Exception):
    """The attempt failed. `retry=False` gives up at once (a 410, a bad request that will not get better)."""

    def __init__(
        self, message: str, *, status_code: int | None = None, retry: bool = True, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry = retry
        self.retry_after = retry_after


class DeliveryCancelled(Exception):
    """Nothing is left to send (the token is unregistered, the webhook is off, the message was seen)."""


Sender = Callable[[Delivery], "int | None"]  # returns the receiver's HTTP status, if any
_senders: dict[str, Sender] = {}


def sender_register(kind: str, sender: Sender) -> None:
    """Each app registers the senders of its kinds in `AppConfig.ready()`."""
    _senders[kind] = sender


def retry_delays(delivery: Delivery) -> tuple[int, ...]:
    if delivery.event_type in UNRETRIED_EVENTS:
        return ()
    if delivery.kind == Kind.WEBHOOK:
        return WEBHOOK_RETRY_DELAYS
    if delivery.kind == Kind.EMAIL:
        return EMAIL_RETRY_DELAYS
    return PUSH_RETRY_DELAYS


# --- creating ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryDraft:
    kind: str
    target: str
    event_type: str
    payload: dict = field(default_factory=dict)
    reference: str = ""
    webhook_id: int | None = None
    event_id: str | None = None
    run_at: datetime | None = None  # the first attempt; now when None


def deliveries_create(*, account_id: int, drafts: Iterable[DeliveryDraft]) -> list[Delivery]:
    """Write the outbox rows in the caller's transaction; their first attempts are queued after it commits."""
    now = timezone.now()
    rows = []
    for draft in drafts:
        run_at = draft.run_at or now
        row = Delivery(
            account_id=account_id,
            kind=draft.kind,
            target=draft.target[:2048],
            event_type=draft.event_type,
            payload=draft.payload,
            reference=draft.reference,
            webhook_id=draft.webhook_id,
            next_attempt_at=run_at,
            enqueued_at=now if _can_queue(run_at, now) else None,
        )
        if draft.event_id:
            row.event_id = draft.event_id
        rows.append(row)
    if not rows:
        return []
    created = Delivery.objects.bulk_create(rows)
    for row in created:
        if row.enqueued_at is not None:
            # A lambda, not a partial: Django's log line for a failed robust hook reads the callable's __qualname__,
            # which a partial lacks (the failure would then escape as an AttributeError after the commit).
            transaction.on_commit(lambda pk=row.pk, at=row.next_attempt_at: _enqueue(pk, at), robust=True)
    return created


def _can_queue(run_at: datetime, now: datetime) -> bool:
    """A task can be queued for `run_at` now: it is due, or the backend runs tasks later (`run_after`).

    Otherwise (the immediate backend of the tests) the sweep queues it once it is due."""
    return run_at <= now or delivery_attempt_task.get_backend().supports_defer


def _enqueue(delivery_id: int, run_at: datetime | None = None) -> None:
    task = delivery_attempt_task
    if run_at is not None and run_at > timezone.now():
        task = task.using(run_after=run_at)
    task.enqueue(delivery_id=delivery_id)


# --- attempting -------------------------------------------------------------------------------------------


def delivery_attempt(*, delivery_id: int) -> str:
    """One attempt, at least once: claimed under a lease, sent by its kind's sender, the outcome recorded.

    Returns what happened (for the task's result): delivered, retrying, failed, cancelled, or skipped when the
    delivery is not due, already done, or held by another worker.
    """
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    try:
        status_code = _senders[delivery.kind](delivery)
    except DeliveryCancelled as reason:
        _settle(delivery, status=Status.CANCELLED, error=str(reason))
        return "cancelled"
    except DeliveryError as error:
        return _failed(delivery, error)
    except Exception as error:  # a sender's bug must not leave the delivery hanging: retry it like a failure
        logger.exception("delivery %s: the %s sender failed", delivery.pk, delivery.kind)
        return _failed(delivery, DeliveryError(f"{type(error).__name__}: {error}"))
    _settle(delivery, status=Status.DELIVERED, status_code=status_code)
    return "delivered"


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    with transaction.atomic():
        # OF self: not the account row too, which every insert referring to the account would wait for
        delivery = (
            Delivery.objects.select_for_update(of=("self",)).select_related("account").filter(pk=delivery_id).first()
        )
        if delivery is None or delivery.status not in (Status.PENDING, Status.SENDING):
            return None
        if delivery.status == Status.SENDING and delivery.locked_until and delivery.locked_until > now:
            return None  # another worker is at it
        if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1):
            return None  # an early duplicate task: the delivery's own comes when it is due
        delivery.status = Status.SENDING
        delivery.attempts += 1
        delivery.locked_until = now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        delivery.save(update_fields=["status", "attempts", "locked_until", "updated_at"])
    return delivery


def _settle(delivery: Delivery, *, status: str, error: str = "", status_code: int | None = None) -> None:
    now = timezone.now()
    _still_ours(delivery).update(
        status=status,
        locked_until=None,
        next_attempt_at=None,
        last_error=error[:2000],
        last_status_code=status_code,
        delivered_at=now if status == Status.DELIVERED else None,
        updated_at=now,
    )


def _failed(delivery: Delivery, error: DeliveryError) -> str:
    delays = retry_delays(delivery)
    if not error.retry or delivery.attempts > len(delays):
        _settle(delivery, status=Status.FAILED, error=str(error), status_code=error.status_code)
        return "failed"
    now = timezone.now()
    wait = max(delays[delivery.attempts - 1], min(error.retry_after or 0, MAX_RETRY_AFTER))
    run_at = now + timedelta(seconds=wait)
    queued = _can_queue(run_at, now)
    _still_ours(delivery).update(
        status=Status.PENDING,
        locked_until=None,
        next_attempt_at=run_at,
        enqueued_at=now if queued else None,
        last_error=str(error)[:2000],
        last_status_code=error.status_code,
        updated_at=now,
    )
    if queued:
        _enqueue(delivery.pk, run_at)
    return "retrying"


def _still_ours(delivery: Delivery):
    """The delivery as this attempt claimed it: if its lease ran out and another worker took it, nothing matches."""
    return Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts)


# --- recovering and retrying by hand ----------------------------------------------------------------------

SWEEP_BATCH = 500


def deliveries_sweep() -> int:
    """Queue again what no worker will otherwise attempt; returns how many were queued.

    - a delivery whose lease ran out (its worker died during the attempt) is due at once;
    - a due delivery that no task took within DELIVERY_REQUEUE_AFTER_SECONDS (the process died between commit
      and queueing, or the backend cannot run tasks later) is queued again.
    """
    now = timezone.now()
    Delivery.objects.filter(status=Status.SENDING, locked_until__lt=now).update(
        status=Status.PENDING,
        locked_until=None,
        next_attempt_at=now,
        enqueued_at=None,
        last_error="The worker stopped during the attempt.",
        updated_at=now,
    )
    stale = now - timedelta(seconds=settings.DELIVERY_REQUEUE_AFTER_SECONDS)
    orphans = list(
        Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale, next_attempt_at__lte=stale))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if orphans:
        Delivery.objects.filter(pk__in=orphans).update(enqueued_at=now)
        for pk in orphans:
            _enqueue(pk)
    return len(orphans)


def delivery_retry_now(*, delivery: Delivery) -> bool:
    """An operator's "retry now": one more attempt at once, whatever the delivery's state except in flight."""
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Delivery.objects.filter(pk=delivery.pk)
            .exclude(status=Status.SENDING, locked_until__gt=now)
            .update(status=Status.PENDING, next_attempt_at=now, locked_until=None, enqueued_at=now, updated_at=now)
        )
        if updated:
            transaction.on_commit(lambda pk=delivery.pk: _enqueue(pk), robust=True)
    return bool(updated)


FINISHED = (Status.DELIVERED, Status.FAILED, Status.CANCELLED)


def deliveries_prune(*, older_than_days: int) -> int:
    """Delete finished deliveries older than that (run daily); pending ones stay whatever their age."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Delivery.objects.filter(status__in=FINISHED, created_at__lt=cutoff).delete()
    return deleted


@task()
def delivery_attempt_task(*, delivery_id: int) -> str:
    """One attempt of a delivery; idempotent (a duplicate task finds it done or not due and does nothing)."""
    return delivery_attempt(delivery_id=delivery_id)
