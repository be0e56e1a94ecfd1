"""Who is calling the client API, from the shared cache (`conversations.poll_state`) instead of the database.

The device's snapshot, read in the quota's round trip, stands for `caller_identify`'s query when it is known to be
this request's caller: the snapshot's registration against the Authorization token's cached customer id, as
`caller_identify` checks it. The empty poll and the latest page (`cached_timeline`) and `POST messages` use it.
What the snapshot may lag (`poll_state`): the registration and the assignee, by at most `SNAPSHOT_SECONDS`; the
current conversation, which a post therefore checks again under the customer's lock
(`message_post(current_only=True)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.http import HttpRequest

from agents.models import Account
from conversations import poll_state
from conversations.client_api.quota import quota_window
from conversations.models import Conversation
from devices.identification import (
    Caller,
    account_by_identification,
    identification_parse,
    token_cache_key,
    token_refusal,
)
from devices.models import Customer, Device
from messenger_project.cache import counter_add
from messenger_project.errors import ServiceError


@dataclass(frozen=True)
class CachedCaller:
    account: Account
    device_id: str
    read: poll_state.PollRead  # its snapshot is this request's caller

    @property
    def snapshot(self) -> poll_state.PollSnapshot:
        assert self.read.snapshot is not None
        return self.read.snapshot


def cached_caller(request: HttpRequest, *, page_version: str | None = None) -> CachedCaller | None:
    """The caller's account and what the cache holds for them (with `page_version`, the latest page too), when the
    cached snapshot is this request's caller; else None. Counts the request against the quota either way, once:
    `request.client_quota` tells the view it is counted, `request.client_poll_read` gives it what was read."""
    try:
        identification, device_id = identification_parse(
            request.headers.get("x-iris-identification") or request.headers.get("x-parley-identification")
        )
        account = account_by_identification(identification)
    except ServiceError:
        return None
    token = token_cache_key(account=account, authorization=request.headers.get("Authorization"))
    window = quota_window(account=account, device_id=device_id)
    read = poll_state.poll_read(
        quota_key=window.key,
        quota_timeout=window.timeout,
        account_id=account.pk,
        device_id=device_id,
        token_key=token[1] if token else None,
        page_version=page_version,
    )
    snapshot = read.snapshot
    if snapshot is None or not _same_caller(
        snapshot, token_customer_id=read.token_customer_id, has_token=token is not None
    ):
        # Not known to be this device's caller: the count is taken back, and the view counts the request once it
        # has identified the caller (a stranger who knows a registered device's id cannot use up its quota).
        counter_add(window.key, -1, window.timeout)
        return None
    request.client_quota = window.state(read.used)
    request.client_poll_read = read
    return CachedCaller(account=account, device_id=device_id, read=read)


def _same_caller(snapshot: poll_state.PollSnapshot, *, token_customer_id: str | None, has_token: bool) -> bool:
    """`caller_identify`'s check against the snapshot; a token whose customer is not cached is not known here."""
    if has_token and token_customer_id is None:
        return False
    return (
        token_refusal(registered=snapshot.registered, fk_id=snapshot.fk_id, token_customer_id=token_customer_id) is None
    )


def snapshot_caller(found: CachedCaller) -> Caller:
    """The `Caller` that `caller_identify` would give, from a snapshot `cached_caller` accepted: the device and its
    customer with what the snapshot holds, the other fields deferred (loaded if touched, as `.only()` leaves them);
    the current conversation with only its id."""
    account, snapshot = found.account, found.snapshot
    customer = _loaded(
        Customer,
        id=snapshot.customer_id,
        account_id=account.pk,
        registered=snapshot.registered,
        fk_id=snapshot.fk_id,
        current_conversation_id=snapshot.conversation_id,
    )
    customer.account = account
    if snapshot.conversation_id is not None:
        conversation = _loaded(Conversation, id=snapshot.conversation_id, account_id=account.pk)
        conversation.account, customer.current_conversation = account, conversation
    device = _loaded(
        Device,
        id=snapshot.device_pk,
        account_id=account.pk,
        customer_id=snapshot.customer_id,
        device_id=found.device_id,
        device_type=snapshot.device_type,
    )
    device.account, device.customer = account, customer
    return Caller(
        account=account, device_id=found.device_id, token_customer_id=found.read.token_customer_id, device=device
    )


def _loaded(model: type[Model], **values: Any) -> Model:
    """An instance as the ORM loads it with `.only(*values)`: `from_db` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])
