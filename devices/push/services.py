"""Fan a push out to the devices of customers: one delivery each, written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from agents.delivery.queue import DeliveryCancelled, DeliveryDraft, deliveries_create
from agents.models import Delivery
from devices.models import Device

KIND_BY_PUSH_TYPE = {
    Device.PushType.FCM_LEGACY: Delivery.Kind.PUSH_FCM,  # the legacy API is gone: its tokens work with HTTP v1
    Device.PushType.APNS: Delivery.Kind.PUSH_APNS,
    Device.PushType.FCM_WEB: Delivery.Kind.PUSH_FCM,
    Device.PushType.CUSTOM_WEBHOOK: Delivery.Kind.PUSH_WEBHOOK,
    Device.PushType.CUSTOM_WEBHOOK_OAUTH: Delivery.Kind.PUSH_WEBHOOK_OAUTH,
    Device.PushType.FCM: Delivery.Kind.PUSH_FCM,
}


def push_devices(*, customer_ids: Iterable[int]):
    """Every device of these customers that can receive a push: `pushEnabled` does not matter (§7.1)."""
    return Device.objects.filter(
        customer_id__in=set(customer_ids), push_type__isnull=False, push_unregistered_at__isnull=True
    ).exclude(push_token="")


def push_to_customers(
    *, account_id: int, customer_ids: Iterable[int], parley: dict, alert: dict | None, reference: str
) -> list[Delivery]:
    """Queue `parley` (the §7.2 object) for every push device of the customers.

    `alert` ({"title", "body"}) is the visible notification, or None for a silent push (typing events).
    """
    ids = set(customer_ids)
    if not ids:
        return []
    drafts = [
        DeliveryDraft(
            kind=KIND_BY_PUSH_TYPE[device.push_type],
            target=device.device_id,
            event_type=parley["type"] if parley["type"] == "message" else parley["object"]["name"],
            payload={"device": device.pk, "deviceType": device.device_type, "parley": parley, "alert": alert},
            reference=reference,
        )
        for device in push_devices(customer_ids=ids).only("pk", "device_id", "push_type", "device_type")
    ]
    return deliveries_create(account_id=account_id, drafts=drafts)


def device_for_push(delivery: Delivery) -> Device:
    """The delivery's device, if it can still receive pushes; else the delivery is cancelled."""
    device = Device.objects.filter(pk=delivery.payload.get("device")).first()
    if device is None:
        raise DeliveryCancelled("The device is gone.")
    if not device.has_push:
        raise DeliveryCancelled("The device has no push token any more.")
    return device


def device_push_unregistered(*, device: Device, reason: str) -> None:
    """The push service says the token is dead: never try it again (until the app registers a new one)."""
    Device.objects.filter(pk=device.pk, push_token=device.push_token).update(push_unregistered_at=timezone.now())
    raise DeliveryCancelled(f"The push service reports the token as unregistered ({reason}).")
