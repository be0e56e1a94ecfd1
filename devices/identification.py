"""Who is calling the client API (spec §2.3): the account from `x-iris-identification`, the device, and the
customer, anonymous or registered by a verified `Authorization` token. No DRF here: views map ServiceError."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from agents.models import Account
from devices.models import Customer, Device
from devices.tokens import token_verify
from messenger_project.errors import ServiceError

ACCOUNT_CACHE_SECONDS = 30
TOKEN_CACHE_SECONDS = 60
DEVICE_ID_MAX_LENGTH = 255
# What the client API reads of the caller on every request. Fewer columns: the ORM builds the query and the
# objects several times faster, which is most of an empty poll's time.
CALLER_FIELDS = (
    "id",
    "account_id",
    "device_id",
    "device_type",
    "customer_id",
    "customer__id",
    "customer__account_id",
    "customer__registered",
    "customer__fk_id",
    "customer__number",
    "customer__current_conversation_id",
    "customer__current_conversation__id",
    "customer__current_conversation__account_id",
    "customer__current_conversation__assignee_id",
    "customer__current_conversation__merged_into_id",
    "customer__current_conversation__assignee__id",
    "customer__current_conversation__assignee__display_name",
    "customer__current_conversation__assignee__avatar",
    "customer__current_conversation__assignee__is_bot",
)


@dataclass
class Caller:
    account: Account
    device_id: str
    token_customer_id: str | None  # the customer id of a verified Authorization token, or None (anonymous)
    device: Device | None = None  # None only while registering (POST devices)

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
    return "account:ident:" + hashlib.sha256(identification.encode()).hexdigest()[:32]


def account_by_identification(identification: str) -> Account:
    """Cached: looked up on every client request. Saving an account clears its entry (devices.signals)."""
    key = _account_cache_key(identification)
    account = cache.get(key)
    if account is None:
        account = Account.objects.filter(identification=identification).first()
        if account is None:
            raise ServiceError("api_key_not_valid", status_code=401)
        cache.set(key, account, ACCOUNT_CACHE_SECONDS)
    return account


def account_cache_forget(account: Account) -> None:
    cache.delete(_account_cache_key(account.identification))


def token_customer_id(*, account: Account, authorization: str | None) -> str | None:
    """The verified customer id of an Authorization header (empty means anonymous), cached by a hash of it."""
    token = (authorization or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        return None
    digest = hashlib.sha256(f"{account.pk}:{account.authorization_secret}:{account.shared_secret}:{token}".encode())
    key = "token:" + digest.hexdigest()[:40]
    customer_id = cache.get(key)
    if customer_id is None:
        customer_id = token_verify(
            token=token, authorization_secret=account.authorization_secret, shared_secret=account.shared_secret
        )
        cache.set(key, customer_id, TOKEN_CACHE_SECONDS)
    return customer_id


def caller_identify(*, identification: str | None, authorization: str | None, require_device: bool = True) -> Caller:
    """Steps 1 to 5 of client API §2.3. With `require_device` False (POST devices) the device may be new."""
    account_identification, device_id = identification_parse(identification)
    account = account_by_identification(account_identification)
    customer_id = token_customer_id(account=account, authorization=authorization)
    caller = Caller(account=account, device_id=device_id, token_customer_id=customer_id)
    if not require_device:
        return caller
    # One query: the device, its customer, and the customer's current conversation with its assignee.
    device = (
        Device.objects.select_related(
            "customer", "customer__current_conversation", "customer__current_conversation__assignee"
        )
        .only(*CALLER_FIELDS)
        .filter(account=account, device_id=device_id)
        .first()
    )
    if device is None:
        raise ServiceError("device_not_registered")
    customer = device.customer
    if customer_id is not None and not (customer.registered and customer.fk_id == customer_id):
        raise ServiceError("device_not_registered")
    if customer_id is None and customer.registered:
        raise ServiceError("device_requires_authorization", extra_codes=("device_not_registered",))
    caller.device = device
    return caller
