"""Writes that move or delete a customer's conversations: device registration with the anonymous → registered
merge (seed 000), and deleting a customer ([S1]). They take this layer's lock order: conversations, then customers."""

from __future__ import annotations

from django.db import transaction

from agents.models import Account
from conversations.poll_state import snapshots_forget
from conversations.services.locks import conversations_lock_for_customer
from conversations.services.merging import customer_conversations_delete, customer_history_merge
from devices.events import Event, user_event
from devices.models import Customer, Device
from devices.services import DeviceAttributes, customer_create, device_attributes_apply
from messenger_project.errors import ServiceError


def device_register(
    *, account: Account, device_id: str, registered_customer: Customer | None, attributes: DeviceAttributes
) -> Device:
    """Register or update a device; idempotent. Implements client API §8 (seed 000).

    - anonymous (`registered_customer` None): a new device gets a new anonymous customer; a device that
      belongs to a registered customer is refused (`device_requires_authorization`) and loses its push token;
    - registered: the device is bound to that customer; an anonymous history on the same device id is merged
      into it; a device of another registered customer is rebound without merging.
    """
    with transaction.atomic():
        device = (
            Device.objects.select_for_update(of=("self",))  # not the customer: customers lock in pk order only
            .select_related("customer")
            .filter(account=account, device_id=device_id)
            .first()
        )
        downgrade = registered_customer is None and device is not None and device.customer.registered
        if downgrade:
            # The mobile READMEs promise that logging out stops pushes meant for the logged-out user.
            Device.objects.filter(pk=device.pk).update(push_token="", push_type=None)
        elif registered_customer is None:
            device = _register_anonymous(account=account, device_id=device_id, device=device)
        else:
            device = _register_registered(customer=registered_customer, device_id=device_id, device=device)
        if not downgrade:
            device_attributes_apply(device=device, attributes=attributes)
    if downgrade:  # refused only once the token is gone for good
        raise ServiceError("device_requires_authorization", status_code=400, extra_codes=("device_not_registered",))
    return device


def _register_anonymous(*, account: Account, device_id: str, device: Device | None) -> Device:
    if account.authorization_required:
        raise ServiceError("authorization_not_valid", status_code=401)
    if device is not None:
        return device
    customer = customer_create(account=account, registered=False, source="app")
    return Device(account=account, customer=customer, device_id=device_id)


def _register_registered(*, customer: Customer, device_id: str, device: Device | None) -> Device:
    if device is None:
        return Device(account=customer.account, customer=customer, device_id=device_id)
    if device.customer_id != customer.pk:
        previous = device.customer
        device.customer = customer
        if not previous.registered:
            customer_merge(source=previous, target=customer)
    return device


def customer_merge(*, source: Customer, target: Customer) -> Customer:
    """Merge an anonymous customer into a registered one (seed 000), in one transaction.

    Conversations, participations, authored messages, receipts, devices and uploads move to `target`;
    nothing is lost or duplicated. `source` remains only as a pointer (`merged_into`).
    """
    if source.pk == target.pk:
        return target
    with transaction.atomic():
        # Conversations first, then both customers in pk order: the order message posting uses.
        conversations_lock_for_customer(customer=source)
        locked = {
            c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id is not None:
            raise ServiceError("customer_merged", status_code=409)
        customer_history_merge(source=source, target=target)
        moved = list(Device.objects.filter(customer=source).values_list("device_id", flat=True))
        Device.objects.filter(customer=source).update(customer=target)
        snapshots_forget(account_id=target.account_id, device_ids=moved)
        if target.current_conversation_id is None:
            target.current_conversation_id = source.current_conversation_id
        source.merged_into = target
        source.current_conversation = None
        source.save(update_fields=["merged_into", "current_conversation", "updated_at"])
        target.save(update_fields=["current_conversation", "updated_at"])
        user_event(customer=target, event=Event.USER_MERGED, mergedUserId=str(source.uuid))
    return target


def customer_delete(*, customer: Customer) -> None:
    """[S1] delete: devices go; conversations where the customer is the only customer go with their messages
    and files; elsewhere their messages stay, marked `sender_deleted`."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        user_event(customer=customer, event=Event.USER_DELETED)
        customer_conversations_delete(customer=customer)
        customer.delete()
