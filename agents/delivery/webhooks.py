"""Webhooks to bots and integrations (integration API §8.8): management, events, the signed POST, disabling."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from agents.audit_changes import SECRET_CHANGED, changes_between
from agents.delivery.http import failure, http_post, json_body, signed_headers
from agents.delivery.queue import DeliveryCancelled, DeliveryDraft, DeliveryError, deliveries_create
from agents.models import Account, ApiKey, Delivery, User, Webhook, new_event_id
from agents.services import audit_record
from messenger_project.cache import cached, forget
from messenger_project.errors import ServiceError
from messenger_project.outbound_urls import url_problem
from messenger_project.timestamps import iso

MAX_WEBHOOKS = 10
DISABLE_AFTER = timedelta(days=3)  # of nothing but failures
SUBSCRIPTIONS_CACHE_SECONDS = 60
EVENTS = tuple(Webhook.Event.values)

EventData = dict | Callable[[], dict]


# --- management -------------------------------------------------------------------------------------------


def webhook_create(
    *,
    account: Account,
    url: str,
    events: Sequence[str],
    sender_kinds: Sequence[str] = ("customer",),
    description: str = "",
    owner_key: ApiKey | None = None,
    active: bool = True,
    actor: User | None = None,
) -> Webhook:
    """A new webhook; its `secret` is shown once, in the answer to this request. At most 10 per account. Audited
    (by `actor`, an operator in the admin, or the key that made it)."""
    with transaction.atomic():
        Account.objects.select_for_update().only("pk").get(pk=account.pk)  # serialises the count
        if Webhook.objects.filter(account=account).count() >= MAX_WEBHOOKS:
            raise ServiceError("too_many_webhooks", message=f"An account has at most {MAX_WEBHOOKS} webhooks.")
        webhook = Webhook.objects.create(
            account=account,
            url=url,
            events=list(dict.fromkeys(events)),
            sender_kinds=list(dict.fromkeys(sender_kinds)),
            description=description,
            owner_key=owner_key,
            active=active,
        )
        audit_record(
            actor=actor,
            action="create webhook",
            account=account,
            target=_audit_target(webhook),
            changes={
                **changes_between({}, _audited(webhook)),
                "secret": SECRET_CHANGED,
            },
        )
        return webhook


WEBHOOK_EDITABLE = ("url", "events", "sender_kinds", "description", "active")


def webhook_update(*, webhook: Webhook, actor: User | None = None, **fields) -> Webhook:
    """An operator's edit (the admin): any of url, events, sender_kinds, description and active; turning it on
    clears why it was turned off. Checked as a new one is (the outgoing-URL policy); audited with what changed."""
    unknown = set(fields) - set(WEBHOOK_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
        before = _audited(webhook)
        for name, value in fields.items():
            setattr(webhook, name, list(dict.fromkeys(value)) if name in ("events", "sender_kinds") else value)
        if fields.get("active") and not before["active"]:
            webhook.disabled_reason, webhook.failing_since = "", None
        if webhook.url != before["url"]:
            webhook.clean()  # the outgoing-URL policy for a new URL (each send checks it again anyway)
        changes = changes_between(before, _audited(webhook))
        if changes:
            webhook.save()
            audit_record(
                actor=actor,
                action="change webhook",
                account=webhook.account,
                target=_audit_target(webhook),
                changes=changes,
            )
    return webhook


def webhook_delete(*, webhook: Webhook, actor: User | None = None) -> None:
    """Its pending deliveries are cancelled when their turn comes (the sender finds no webhook)."""
    with transaction.atomic():
        audit_record(actor=actor, action="delete webhook", account=webhook.account, target=_audit_target(webhook))
        webhook.delete()


def webhook_turn_on(*, webhook: Webhook, actor: User | None = None) -> None:
    """An operator turns a webhook that was turned off (410, days of failures) on again."""
    webhook_update(webhook=webhook, active=True, actor=actor)


def webhook_turn_off(*, webhook: Webhook, actor: User | None = None) -> None:
    """An operator stops a webhook's events (kept, with its secret, until turned on again)."""
    webhook_update(webhook=webhook, active=False, actor=actor)


def _audited(webhook: Webhook) -> dict:
    return {name: getattr(webhook, name) for name in WEBHOOK_EDITABLE}


def _audit_target(webhook: Webhook) -> str:
    return f"webhook {webhook.pk}: {webhook.url}"[:200]


def webhook_ping(*, webhook: Webhook) -> Delivery:
    """`POST /api/v2/webhooks/{id}/test`: a `ping` event to this webhook alone."""
    with transaction.atomic():
        [delivery] = deliveries_create(
            account_id=webhook.account_id,
            drafts=[
                _draft(webhook.pk, webhook.url, _envelope(webhook.account.app_id, "ping", {"webhookId": webhook.pk}))
            ],
        )
    return delivery


# --- events -----------------------------------------------------------------------------------------------


def subscriptions(account_id: int) -> dict:
    """The account's appId and active webhooks, cached (every change to a webhook or a key forgets it; see signals;
    other processes' own copies within 5 s)."""

    def read() -> dict:
        return {
            "appId": Account.objects.values_list("app_id", flat=True).get(pk=account_id),
            "hooks": [
                {
                    "id": w.pk,
                    "url": w.url,
                    "events": w.events,
                    "senderKinds": w.sender_kinds,
                    "botId": w.owner_key.bot_id if w.owner_key else None,
                }
                for w in Webhook.objects.filter(account_id=account_id, active=True).select_related("owner_key")
            ],
        }

    return cached(f"webhooks:{account_id}", read, timeout=SUBSCRIPTIONS_CACHE_SECONDS)


def subscriptions_forget(account_id: int) -> None:
    forget(f"webhooks:{account_id}")


def webhook_event_emit(
    *,
    account_id: int,
    event: str,
    data: EventData,
    sender_kind: str | None = None,
    sender_agent_id: int | None = None,
) -> list[Delivery]:
    """Record `event` for every active webhook of the account that takes it, in the caller's transaction.

    `data` may be a function: it is only called when some webhook takes the event. `sender_kind` filters
    `message.created` by each webhook's `senderKinds`; `sender_agent_id` is the loop guard: a webhook made with a
    key bound to that bot gets neither its messages nor its typing.
    """
    found = subscriptions(account_id)
    hooks = [
        hook
        for hook in found["hooks"]
        if event in hook["events"]
        and (event != Webhook.Event.MESSAGE_CREATED or sender_kind in hook["senderKinds"])
        and (sender_agent_id is None or hook["botId"] != sender_agent_id)
    ]
    if not hooks:
        return []
    envelope = _envelope(found["appId"], event, data() if callable(data) else data)
    return deliveries_create(
        account_id=account_id, drafts=[_draft(hook["id"], hook["url"], envelope) for hook in hooks]
    )


def _envelope(app_id: str, event: str, data: dict) -> dict:
    return {"id": new_event_id(), "type": event, "createdAt": iso(timezone.now()), "appId": app_id, "data": data}


def _draft(webhook_id: int, url: str, envelope: dict) -> DeliveryDraft:
    data = envelope["data"]
    reference = ""
    for name in ("message", "thread", "conversation", "user"):
        if isinstance(data.get(name), dict) and "id" in data[name]:
            reference = f"{name}:{data[name]['id']}"
            break
    return DeliveryDraft(
        kind=Delivery.Kind.WEBHOOK,
        target=url,
        event_type=envelope["type"],
        event_id=envelope["id"],
        payload=envelope,
        reference=reference[:128],
        webhook_id=webhook_id,
    )


# --- sending ----------------------------------------------------------------------------------------------


def webhook_send(delivery: Delivery) -> int:
    """POST the event, signed with a fresh timestamp; the same id and body on every attempt (§8.8)."""
    webhook = Webhook.objects.filter(pk=delivery.webhook_id).first()
    if webhook is None:
        raise DeliveryCancelled("The webhook was deleted.")
    if not webhook.active:
        raise DeliveryCancelled(f"The webhook is off: {webhook.disabled_reason or 'turned off'}")
    problem = url_problem(webhook.url)  # again at send time: DNS may have changed since
    if problem:
        _failed(webhook)
        raise DeliveryError(f"The URL {problem}.", retry=True)
    body = json_body(delivery.payload)
    headers = signed_headers(
        secret=webhook.secret, body=body, event_id=delivery.event_id, event_type=delivery.event_type
    )
    try:
        response = http_post(webhook.url, content=body, headers=headers)
    except DeliveryError:
        _failed(webhook)
        raise
    if response.is_success:
        if webhook.failing_since is not None:
            Webhook.objects.filter(pk=webhook.pk).update(failing_since=None)
        return response.status_code
    if response.status_code == 410:
        _disable(webhook, "The receiver answered 410 Gone.")
        raise failure(response, retry=False)
    _failed(webhook)
    raise failure(response)


def _failed(webhook: Webhook) -> None:
    now = timezone.now()
    if webhook.failing_since is None:
        Webhook.objects.filter(pk=webhook.pk, failing_since__isnull=True).update(failing_since=now)
    elif now - webhook.failing_since >= DISABLE_AFTER:
        _disable(webhook, f"Every delivery failed since {iso(webhook.failing_since)}.")


def _disable(webhook: Webhook, reason: str) -> None:
    webhook.active, webhook.disabled_reason = False, reason
    webhook.save(update_fields=["active", "disabled_reason", "updated_at"])
