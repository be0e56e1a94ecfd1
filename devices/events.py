"""Webhook events about customers (`user.*`, integration API §8.8), emitted by the services in their transactions."""

from __future__ import annotations

from agents.delivery.webhooks import webhook_event_emit
from agents.models import Webhook
from devices.models import Customer
from devices.representations import user_representation

Event = Webhook.Event


def user_event(*, customer: Customer, event: str, **extra) -> None:
    """`extra` adds keys to `data` (mergedUserId). The data is read now: a deleted user is still there."""
    webhook_event_emit(
        account_id=customer.account_id, event=event, data=lambda: {"user": user_representation(customer), **extra}
    )
