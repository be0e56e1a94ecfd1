"""Push straight to Apple (push type 2): token-based auth (an ES256 JWT from the account's .p8 key) over HTTP/2."""

from __future__ import annotations

import threading
import time

import jwt
from django.conf import settings

from agents.delivery.http import failure, http_post
from agents.delivery.queue import DeliveryError
from agents.models import Delivery, PushSettings
from devices.push.payloads import apns_headers, apns_payload
from devices.push.services import device_for_push, device_push_unregistered

TOKEN_LIFETIME = 50 * 60  # Apple accepts a provider token for an hour and refuses new ones more often than 20 min
DEAD_TOKEN_REASONS = {"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered"}
_tokens: dict[tuple, tuple[float, str]] = {}
_lock = threading.Lock()


def provider_token(push: PushSettings) -> str:
    identity = (push.apns_team_id, push.apns_key_id, push.apns_private_key)
    with _lock:
        made_at, token = _tokens.get(identity, (0.0, ""))
        if time.time() - made_at > TOKEN_LIFETIME:
            try:
                token = jwt.encode(
                    {"iss": push.apns_team_id, "iat": int(time.time())},
                    push.apns_private_key,
                    algorithm="ES256",
                    headers={"kid": push.apns_key_id},
                )
            except (ValueError, TypeError, jwt.PyJWTError) as error:
                raise DeliveryError(f"The APNs key is not usable: {error}", retry=False) from None
            _tokens[identity] = (time.time(), token)
        return token


def send(delivery: Delivery) -> int:
    device = device_for_push(delivery)
    push = PushSettings.objects.filter(account_id=delivery.account_id).first()
    if push is None or not (push.apns_team_id and push.apns_key_id and push.apns_private_key and push.apns_topic):
        raise DeliveryError("The account has no APNs key (admin → push settings).", retry=False)
    alert = delivery.payload.get("alert")
    base = settings.APNS_SANDBOX_BASE_URL if push.apns_sandbox else settings.APNS_BASE_URL
    response = http_post(
        f"{base.rstrip('/')}/3/device/{device.push_token}",
        http2=True,
        json=apns_payload(parley=delivery.payload["parley"], alert=alert),
        headers={
            "authorization": f"bearer {provider_token(push)}",
            "apns-topic": push.apns_topic,
            **apns_headers(alert),
            "apns-expiration": str(int(time.time()) + 86400),
        },
    )
    if response.is_success:
        return response.status_code
    reason = _reason(response)
    if response.status_code == 410 or reason in DEAD_TOKEN_REASONS:
        device_push_unregistered(device=device, reason=reason or "410")
    if reason in {"ExpiredProviderToken", "InvalidProviderToken"}:
        with _lock:
            _tokens.clear()
    retry = response.status_code in (403, 408, 429) or response.status_code >= 500
    raise failure(response, retry=retry)


def _reason(response) -> str:
    try:
        return response.json().get("reason", "")
    except (ValueError, AttributeError):
        return ""
