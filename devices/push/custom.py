"""Push types 4 and 5: a signed POST to the account's own push webhook; type 5 first gets an OAuth token
(client credentials), kept in the shared cache until shortly before it expires."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from agents.delivery.http import failure, http_post, json_body, signed_headers
from agents.delivery.queue import DeliveryError
from agents.models import Delivery, PushSettings
from devices.push.payloads import webhook_body
from devices.push.services import device_for_push
from messenger_project.outbound_urls import url_problem

TOKEN_EARLY_EXPIRY = 60  # seconds: fetch a new token this long before the old one expires


def send(delivery: Delivery) -> int:
    device = device_for_push(delivery)
    push = PushSettings.objects.filter(account_id=delivery.account_id).first()
    if push is None or not push.webhook_url:
        raise DeliveryError("The account has no push webhook URL (admin → push settings).", retry=False)
    _check_target(push.webhook_url)
    body = json_body(
        webhook_body(parley=delivery.payload["parley"], device=device, identification=delivery.account.identification)
    )
    headers = signed_headers(
        secret=push.webhook_secret, body=body, event_id=delivery.event_id, event_type=f"push.{delivery.event_type}"
    )
    oauth = delivery.kind == Delivery.Kind.PUSH_WEBHOOK_OAUTH
    if oauth:
        headers["Authorization"] = f"Bearer {oauth_token(push)}"
    response = http_post(push.webhook_url, content=body, headers=headers)
    if response.is_success:
        return response.status_code
    if oauth and response.status_code == 401:
        cache.delete(_token_key(push))  # revoked or expired early: the next attempt fetches a new one
    retry = response.status_code in (401, 408, 429) or response.status_code >= 500
    raise failure(response, retry=retry)


def oauth_token(push: PushSettings) -> str:
    """A client-credentials access token from the account's token URL, shared by every process until it expires."""
    if not (push.oauth_token_url and push.oauth_client_id):
        raise DeliveryError("Push type 5 needs the OAuth token URL and client id (admin → push settings).", retry=False)
    key = _token_key(push)
    token = cache.get(key)
    if token:
        return token
    _check_target(push.oauth_token_url)
    form = {"grant_type": "client_credentials", "client_id": push.oauth_client_id}
    form["client_secret"] = push.oauth_client_secret
    if push.oauth_scope:
        form["scope"] = push.oauth_scope
    response = http_post(push.oauth_token_url, data=form, headers={"Accept": "application/json"})
    if not response.is_success:
        raise failure(response)
    try:
        answer = response.json()
        token, lifetime = answer["access_token"], int(answer.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise DeliveryError("The OAuth token endpoint gave no access_token.") from None
    cache.set(key, token, max(lifetime - TOKEN_EARLY_EXPIRY, 30))
    return token


def _token_key(push: PushSettings) -> str:
    scope = hashlib.sha256(f"{push.oauth_token_url}|{push.oauth_client_id}|{push.oauth_scope}".encode()).hexdigest()
    return f"push:oauth:{push.account_id}:{scope[:16]}"


def _check_target(url: str) -> None:
    problem = url_problem(url)
    if problem:
        raise DeliveryError(f"{url} {problem}.", retry=False)
