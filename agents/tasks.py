"""Background work of the agents app: attempting deliveries (push, webhooks, email)."""

from __future__ import annotations

from django_tasks import task

from agents.delivery.queue import delivery_attempt


@task()
def delivery_attempt_task(*, delivery_id: int) -> str:
    """One attempt of a delivery; idempotent (a duplicate task finds it done or not due and does nothing)."""
    return delivery_attempt(delivery_id=delivery_id)
