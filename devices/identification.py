"""Who is calling the client API (spec §2.3): the account from `x-iris-identification`, the device, and the
customer, anonymous or registered by a verified `Authorization` token. No DRF here: views map ServiceError."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery

from agents.models import Account
from devices.models import Customer, Device
from devices.tokens import token_verify
from messenger_project.cache import cached, forget, hashed
from messenger_project.errors import ServiceError

ACCOUNT_CACHE_SECONDS = 30
TOKEN_CACHE_SECONDS = 60
DEVICE_ID_MAX_LENGTH = 255
# What the client API reads of the caller on every request: the device, its customer, the customer's current
# conversation and its assignee (`caller_device`). The other fields stay deferred.
CALLER_FIELDS = {
    "device": ("id", "account", "device_id", "device_type", "customer"),
    "customer": ("id", "account", "registered", "fk_id", "number", "current_conversation"),
    "conversation": ("id", "account", "assignee", "merged_into"),
    "assignee": ("id", "display_name", "avatar", "is_bot"),
}


@dataclass
class Caller:
    account: Account
    device_id: str
    token_customer_id: str | None  # the customer id of a verified Authorization token, or None (anonymous)
    device: Device | None = None  # None only while registering (POST devices)
    # With `with_newest` asked: the customer's newest message id (None: no message at all).
    newest_known: bool = False
    newest_message_id: int | None = None

    @property
    def customer(self) -> Customer:
        assert self.device is not None
        return self.device.customer


def identification_parse(header: str | None) -> tuple[str, str]:
    """Split `{accountIdentification}:{deviceId}` at the first colon (the device id may hold more)."""
    if not header or ":" not in header:
        raise ServiceError("api_key_not_valid", status_code=401)
    identification, device_id = header.split(":", 1)
    if not identification:
        raise ServiceError("api_key_not_valid", status_code=401)
    if not settings.DEVICE_ID_MIN_LENGTH <= len(device_id) <= DEVICE_ID_MAX_LENGTH:
        raise ServiceError("invalid_device_identification")
    return identification, device_id


def _account_cache_key(identification: str) -> str:
    return "account:ident:" + hashed(identification)


def account_by_identification(identification: str) -> Account:
    """Cached: looked up on every client request (`messenger_project.cache.cached`: this process keeps it 5 s).
    Saving an account forgets it (devices.signals)."""
    account = cached(
        _account_cache_key(identification),
        lambda: Account.objects.filter(identification=identification).first(),
        timeout=ACCOUNT_CACHE_SECONDS,
    )
    if account is None:
        raise ServiceError("api_key_not_valid", status_code=401)
    return account


def account_cache_forget(account: Account) -> None:
    forget(_account_cache_key(account.identification))


def token_cache_key(*, account: Account, authorization: str | None) -> tuple[str, str] | None:
    """The token of an Authorization header and the cache key of its verified customer id; None: anonymous."""
    token = (authorization or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        return None
    digest = hashlib.sha256(f"{account.pk}:{account.authorization_secret}:{account.shared_secret}:{token}".encode())
    return token, "token:" + digest.hexdigest()[:40]


def token_customer_id(*, account: Account, authorization: str | None) -> str | None:
    """The verified customer id of an Authorization header (empty means anonymous), cached by a hash of it."""
    cached_token = token_cache_key(account=account, authorization=authorization)
    if cached_token is None:
        return None
    token, key = cached_token
    customer_id = cache.get(key)
    if customer_id is None:
        customer_id = token_verify(
            token=token, authorization_secret=account.authorization_secret, shared_secret=account.shared_secret
        )
        cache.set(key, customer_id, TOKEN_CACHE_SECONDS)
    return customer_id


def caller_identify(
    *,
    identification: str | None,
    authorization: str | None,
    require_device: bool = True,
    with_newest: bool = False,
    with_conversation: bool = True,
) -> Caller:
    """Steps 1 to 5 of client API §2.3. With `require_device` False (POST devices) the device may be new.

    `with_newest` (a poll) also asks, in the same query, for the customer's newest message id: a poll with nothing
    newer than its cursor then needs nothing else from the database. Without `with_conversation` (a post) the
    customer's current conversation is not read (only its id)."""
    account_identification, device_id = identification_parse(identification)
    account = account_by_identification(account_identification)
    customer_id = token_customer_id(account=account, authorization=authorization)
    caller = Caller(account=account, device_id=device_id, token_customer_id=customer_id)
    if not require_device:
        return caller
    device, newest = caller_device(
        account=account, device_id=device_id, with_newest=with_newest, with_conversation=with_conversation
    )
    if device is None:
        raise ServiceError("device_not_registered")
    customer = device.customer
    refusal = token_refusal(registered=customer.registered, fk_id=customer.fk_id, token_customer_id=customer_id)
    if refusal is not None:
        raise refusal
    caller.device = device
    caller.newest_known, caller.newest_message_id = with_newest, newest
    return caller


def token_refusal(*, registered: bool, fk_id: str | None, token_customer_id: str | None) -> ServiceError | None:
    """Step 5 of client API §2.3: a registered customer's devices call with their token, an anonymous one's without
    (`token_customer_id` None). The error to raise, or None when the device's customer may be called so."""
    if token_customer_id is not None and not (registered and fk_id == token_customer_id):
        return ServiceError("device_not_registered")
    if token_customer_id is None and registered:
        return ServiceError("device_requires_authorization", extra_codes=("device_not_registered",))
    return None


def _caller_fields(*, with_conversation: bool) -> list[str]:
    """`CALLER_FIELDS` as `.only()` names them, from the device down."""
    paths = {"device": "", "customer": "customer__"}
    if with_conversation:
        paths["conversation"] = "customer__current_conversation__"
        paths["assignee"] = paths["conversation"] + "assignee__"
    return [paths[part] + name for part, names in CALLER_FIELDS.items() if part in paths for name in names]


def caller_device(
    *, account: Account, device_id: str, with_newest: bool = False, with_conversation: bool = True
) -> tuple[Device | None, int | None]:
    """The device with its customer, the customer's current conversation and that conversation's assignee loaded
    (`CALLER_FIELDS`, the others deferred; without `with_conversation`, the device and the customer), or None;
    and, `with_newest`, the customer's newest message id (from the receipts' (customer, message) index). One
    query: it runs on every client request."""
    joins = "customer__current_conversation__assignee" if with_conversation else "customer"
    devices = (
        Device.objects.filter(account=account, device_id=device_id)
        .select_related(joins)
        .only(*_caller_fields(with_conversation=with_conversation))
    )
    if with_newest:
        receipts = Customer._meta.get_field("receipts").related_model.objects  # a model of a layer above
        newest = receipts.filter(customer_id=OuterRef("customer_id")).order_by("-message_id").values("message_id")
        devices = devices.annotate(newest_message_id=Subquery(newest[:1]))
    device = next(iter(devices), None)
    if device is None:
        return None, None
    customer = device.customer
    if with_conversation and customer.current_conversation is not None:
        customer.current_conversation.account = account
    customer.account = device.account = account  # all of the caller's account, which the caller already has
    return device, (device.newest_message_id if with_newest else None)
