"""Writes for customers and devices that touch no conversation: creating, updating, a device's attributes and
last-seen time. Registration and the anonymous → registered merge move histories: `conversations.services.customers`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache, caches
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agents.models import Account, User
from agents.services import audit_record
from devices.events import Event, user_event
from devices.models import Customer, Device
from devices.selectors import customer_by_user_id, email_owner
from messenger_project.custom_data import custom_merge
from messenger_project.errors import ServiceError


@dataclass(frozen=True)
class DeviceAttributes:
    """What an app tells about itself on registration (client API §5.1); None means "not sent"."""

    push_token: str | None = None
    push_type: int | None = None
    push_enabled: bool | None = None
    device_type: int | None = None
    sdk_version: str | None = None
    referrer: str | None = None
    additional_information: dict[str, str] = field(default_factory=dict)


def customer_create(*, account: Account, registered: bool = False, **fields: Any) -> Customer:
    """Create a customer with the next per-account number. Caller need not hold any lock."""
    with transaction.atomic():
        # Serialise number allocation per account: lock the account row, then read the highest number.
        Account.objects.select_for_update().only("pk").get(pk=account.pk)
        highest = Customer.objects.filter(account=account).aggregate(n=Max("number"))["n"] or 0
        customer = Customer(account=account, number=highest + 1, registered=registered, **fields)
        customer.full_clean(validate_constraints=False)
        customer.save()
        user_event(customer=customer, event=Event.USER_CREATED)
    return customer


def customer_get_or_create_registered(*, account: Account, fk_id: str) -> Customer:
    """The registered customer `(account, fk_id)`, created on first sight (client API §2.2 step 6)."""
    customer = Customer.objects.filter(account=account, fk_id=fk_id).first()
    if customer is None:
        customer = customer_create(account=account, registered=True, fk_id=fk_id, source="app")
    return customer


def device_attributes_apply(*, device: Device, attributes: DeviceAttributes) -> None:
    if attributes.push_token is not None:
        device.push_token = attributes.push_token
        device.push_unregistered_at = None
    if attributes.push_type is not None:
        device.push_type = attributes.push_type
    if attributes.push_enabled is not None:
        device.push_enabled = attributes.push_enabled
    if attributes.device_type is not None:
        device.device_type = attributes.device_type
    if attributes.sdk_version is not None:
        device.sdk_version = attributes.sdk_version[:20]
    if attributes.referrer is not None:
        device.referrer = attributes.referrer[:2048]
    if attributes.additional_information:
        device.additional_information = {**device.additional_information, **attributes.additional_information}
    device.last_seen_at = timezone.now()
    device.full_clean(exclude=["customer", "account"], validate_unique=False, validate_constraints=False)
    device.save()
    if device.push_token:
        # A push token is unique per account: a reinstall must not get the same push twice.
        Device.objects.filter(account_id=device.account_id, push_token=device.push_token).exclude(pk=device.pk).update(
            push_token="", push_type=None
        )
    if attributes.additional_information:
        _customer_profile_merge(customer=device.customer, information=attributes.additional_information)


def _customer_profile_merge(*, customer: Customer, information: dict[str, str]) -> None:
    """The app's `userAdditionalInformation` (sent on every registration): written only when it changes."""
    profile = {**customer.profile, **information}
    update_fields = ["profile", "updated_at"] if profile != customer.profile else []
    customer.profile = profile
    if information.get("name") and not customer.name:
        customer.name = information["name"][:200]
        update_fields += ["name", "updated_at"]
    if update_fields:
        customer.save(update_fields=set(update_fields))
        user_event(customer=customer, event=Event.USER_UPDATED)


LAST_SEEN_RESOLUTION_SECONDS = 300


def device_touch(*, device: Device) -> None:
    """Record that the device called, at most once per 5 minutes (the desk's "last seen"): polls stay read-only.

    The process remembers its own touches, so most polls ask neither the shared cache nor the database."""
    key = _seen_key(device.pk)
    if caches["local"].add(key, 1, LAST_SEEN_RESOLUTION_SECONDS) and cache.add(key, 1, LAST_SEEN_RESOLUTION_SECONDS):
        Device.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())


def device_touched_here(*, device_pk: int) -> bool:
    """Whether this process recorded the device's call within the last 5 minutes (`device_touch` would not write)."""
    return caches["local"].get(_seen_key(device_pk)) is not None


def _seen_key(device_pk: int) -> str:
    return f"device:seen:{device_pk}"


def _identifier_owner(*, account: Account, email: str = "", phone: str = "", fk_id: str | None = None):
    """The first (field, customer) already holding one of these identifiers in the account, or None."""
    if email and (owner := email_owner(account=account, email=email)) is not None:
        return "email", owner
    if phone and (owner := Customer.objects.filter(account=account, phone=phone).first()) is not None:
        return "phoneNumber", owner
    if fk_id and (owner := Customer.objects.filter(account=account, fk_id=fk_id).first()) is not None:
        return "fkId", owner
    return None


def customer_api_create(
    *,
    account: Account,
    source: str = "api",
    custom_data: dict | None = None,
    conflict_codes: dict[str, str] | None = None,
    **fields,
) -> Customer:
    """[S1] create: a registered customer; an email, phone or fkId another customer holds is `user_exists` (409)."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=account.pk)  # serialises identifier checks too
        clash = _identifier_owner(
            account=account, email=fields.get("email", ""), phone=fields.get("phone", ""), fk_id=fields.get("fk_id")
        )
        if clash is not None:
            field_name, owner = clash
            raise ServiceError(
                (conflict_codes or {}).get(field_name, "user_exists"),
                status_code=409,
                message=f"A user with this {field_name} exists.",
                details={"field": field_name, "userId": str(owner.uuid)},
            )
        return customer_create(account=account, registered=True, source=source, custom_data=custom_data or {}, **fields)


UPSERT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "extra_emails",
    "phone",
    "extra_phones",
    "photo_url",
    "welcome_message",
    "role",
    "locale",
    "custom_data",
    "note",
    "profile",
)


def _clash(*, account: Account, customer: Customer | None, emails: list[str], phones: list[str]) -> None:
    for email in emails:
        if email_owner(account=account, email=email, excluding=customer) is not None:
            raise ServiceError("email_taken", status_code=409, message=f"{email} belongs to another user.")
    others = Customer.objects.filter(account=account).exclude(pk=customer.pk if customer else None)
    if phones and others.filter(phone__in=phones).exists():
        raise ServiceError("phone_taken", status_code=409, message="A phone number belongs to another user.")


def _changes_apply(*, customer: Customer, changes: dict[str, Any]) -> None:
    if "name" in changes:
        customer.name = changes["name"]
    if "emails" in changes:
        emails = changes["emails"] or []
        customer.email, customer.extra_emails = (emails[0] if emails else ""), emails[1:]
    if "phones" in changes:
        phones = changes["phones"] or []
        customer.phone, customer.extra_phones = (phones[0] if phones else ""), phones[1:]
    for key in ("first_name", "last_name", "photo_url", "welcome_message", "role", "locale", "note"):
        if key in changes:
            setattr(customer, key, changes[key] or "")
    if "profile" in changes:  # merged per key; a None value deletes the key
        profile = {**customer.profile, **changes["profile"]}
        customer.profile = {key: value for key, value in profile.items() if value is not None}
    if "custom" in changes:
        customer.custom_data = custom_merge(customer.custom_data, changes["custom"])


def _customer_update_locked(*, customer: Customer, changes: dict[str, Any]) -> dict[str, list]:
    """The update of an existing customer; the caller holds the account's row lock (identifier checks). Returns
    {field: [old, new]} of the model fields that changed (what the audit log records)."""
    _clash(
        account=customer.account,
        customer=customer,
        emails=changes.get("emails") or [],
        phones=changes.get("phones") or [],
    )
    before = {name: getattr(customer, name) for name in UPSERT_FIELDS}
    _changes_apply(customer=customer, changes=changes)
    diff = {
        name: [before[name], getattr(customer, name)]
        for name in UPSERT_FIELDS
        if getattr(customer, name) != before[name]
    }
    if diff:
        customer.save(update_fields=[*diff, "updated_at"])
        user_event(customer=customer, event=Event.USER_UPDATED)
    return diff


def customer_update(*, customer: Customer, changes: dict[str, Any]) -> list[str]:
    """Update an existing customer with a merge-patch ([S2] PUT users/{userId}, and the desk's customer panel):
    keys not in `changes` stay. Returns the names of the model fields that changed (none: nothing is written).

    `changes` may hold name, first_name, last_name, emails and phones (lists, the first one primary; None clears),
    profile (merged per key, a None value deletes the key), photo_url,
    welcome_message, role, locale, note (None clears) and custom (merged per key, a None value deletes the key;
    custom=None clears all). An email or phone another customer of the account holds is a 409 ServiceError."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=customer.account_id)  # serialises identifier checks
        customer.refresh_from_db()  # what is stored now, under the lock: the change is computed against it
        return list(_customer_update_locked(customer=customer, changes=changes))


def customer_upsert(*, account: Account, user_id: str, changes: dict[str, Any]) -> tuple[Customer, bool, bool]:
    """[S2] PUT users/{userId}, a merge-patch: keys not in `changes` stay. Returns (customer, created, changed).

    `changes` as for `customer_update`; `name` is required when the user is created."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=account.pk)  # serialises identifier checks
        customer = customer_by_user_id(account=account, user_id=user_id)
        if customer is not None:
            return customer, False, bool(_customer_update_locked(customer=customer, changes=changes))
        _clash(account=account, customer=None, emails=changes.get("emails") or [], phones=changes.get("phones") or [])
        first, _, last = changes["name"].strip().partition(" ")
        draft = Customer(
            account=account,
            registered=True,
            source="api",
            fk_id=user_id,
            first_name=first[:100],
            last_name=last.strip()[:100],
        )
        _changes_apply(customer=draft, changes=changes)
        customer = customer_create(
            account=account,
            registered=True,
            **{f: getattr(draft, f) for f in (*UPSERT_FIELDS, "fk_id", "source")},
        )
    return customer, True, True


# The desk's names of the fields it edits (an extra address moves when the primary one changes).
DESK_FIELD_NAMES = {
    "name": "name",
    "email": "email",
    "extra_emails": "email",
    "phone": "phone",
    "extra_phones": "phone",
    "note": "note",
}


def customer_desk_edit(*, customer: Customer, user: User, changes: dict[str, Any]) -> list[str]:
    """An agent's edit from the desk's customer panel: `customer_update`, audited in the same transaction with
    the names of the fields that changed ("edit customer: email, phone"). Returns those names."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=customer.account_id)  # as customer_update
        customer.refresh_from_db()
        diff = _customer_update_locked(customer=customer, changes=changes)
        names = list(dict.fromkeys(DESK_FIELD_NAMES.get(name, name) for name in diff))
        if names:
            audit_record(
                actor=user,
                action=f"edit customer: {', '.join(names)}",
                account=customer.account,
                target=f"customer {customer.uuid}",
                changes=diff,
            )
    return names


# The names an API edit is audited under: the desk's, and the first and last name as the name.
API_FIELD_NAMES = {**DESK_FIELD_NAMES, "first_name": "name", "last_name": "name"}


def customer_api_save(*, account: Account, customer: Customer | None, changes: dict[str, Any], by: str) -> Customer:
    """The Help Scout-style customers of the integration API: a new registered customer (`customer` None) or an
    edit of one, with `changes` as for `customer_update`; an email or phone another customer holds is a 409. Audited
    in the same transaction as the desk's customer edits are, naming the key (`by`) and the fields."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=account.pk)  # serialises identifier checks
        if customer is not None:
            customer.refresh_from_db()
            diff = _customer_update_locked(customer=customer, changes=changes)
            changed, action = list(diff), "edit customer"
        else:
            _clash(
                account=account, customer=None, emails=changes.get("emails") or [], phones=changes.get("phones") or []
            )
            draft = Customer(account=account, registered=True, source="api")
            _changes_apply(customer=draft, changes=changes)
            customer = customer_create(
                account=account, registered=True, **{f: getattr(draft, f) for f in (*UPSERT_FIELDS, "source")}
            )
            changed, action = [], "create customer"
            diff = {name: [None, getattr(customer, name)] for name in UPSERT_FIELDS if getattr(customer, name)}
        names = list(dict.fromkeys(API_FIELD_NAMES.get(name, name) for name in changed))
        if names or action == "create customer":
            audit_record(
                actor=None,
                action=(f"{action}: {', '.join(names)}" if names else action)[:64],  # the length of AuditEntry.action
                account=account,
                target=f"customer {customer.uuid} ({by})",
                changes=diff,
            )
    return customer
