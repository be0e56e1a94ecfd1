"""Push through Firebase Cloud Messaging's HTTP v1 API, with the account's service-account key.

google-auth turns the key into an OAuth access token (kept per process until it expires); FCM_BASE_URL
points the sends elsewhere (tests, relays).
"""

from __future__ import annotations

import threading

import google.auth.exceptions
import google.auth.transport.requests
from django.conf import settings
from google.oauth2 import service_account

from agents.delivery.http import failure, http_post
from agents.delivery.queue import DeliveryError
from agents.models import Delivery, PushSettings
from devices.push.payloads import fcm_message
from devices.push.services import device_for_push, device_push_unregistered
from messenger_project.outbound_urls import url_problem

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEAD_TOKEN_CODES = {"UNREGISTERED", "SENDER_ID_MISMATCH"}

_credentials: dict[tuple, service_account.Credentials] = {}
_lock = threading.Lock()


class _Request(google.auth.transport.requests.Request):
    """google-auth's transport with our timeout instead of its 120 s."""

    def __call__(self, *args, **kwargs):
        kwargs["timeout"] = settings.DELIVERY_HTTP_TIMEOUT_SECONDS
        return super().__call__(*args, **kwargs)


def access_token(key: dict) -> str:
    """An access token for the service account `key`, fetched again only when the last one expired."""
    identity = (key.get("client_email"), key.get("private_key_id"), key.get("token_uri"))
    with _lock:
        credentials = _credentials.get(identity)
        if credentials is None:
            try:
                credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
            except (ValueError, KeyError) as error:
                raise DeliveryError(f"The FCM service account key is not usable: {error}", retry=False) from None
            _credentials[identity] = credentials
        if not credentials.valid:
            try:
                credentials.refresh(_Request())
            except google.auth.exceptions.GoogleAuthError as error:
                raise DeliveryError(f"No FCM access token: {error}") from None
        return credentials.token


def forget_token(key: dict) -> None:
    with _lock:
        _credentials.pop((key.get("client_email"), key.get("private_key_id"), key.get("token_uri")), None)


def send(delivery: Delivery) -> int:
    device = device_for_push(delivery)
    push = PushSettings.objects.filter(account_id=delivery.account_id).first()
    key = push.fcm_service_account if push else None
    if not key or not key.get("project_id"):
        raise DeliveryError("The account has no FCM service account key (admin → push settings).", retry=False)
    problem = url_problem(str(key.get("token_uri", "")))
    if problem:
        raise DeliveryError(f"The service account key's token_uri {problem}.", retry=False)
    message = fcm_message(
        token=device.push_token,
        device_type=delivery.payload.get("deviceType"),
        parley=delivery.payload["parley"],
        alert=delivery.payload.get("alert"),
    )
    response = http_post(
        f"{settings.FCM_BASE_URL.rstrip('/')}/v1/projects/{key['project_id']}/messages:send",
        json={"message": message},
        headers={"Authorization": f"Bearer {access_token(key)}"},
    )
    if response.is_success:
        return response.status_code
    code = _error_code(response)
    if code in DEAD_TOKEN_CODES or (response.status_code == 404 and code in {"", "NOT_FOUND"}):
        device_push_unregistered(device=device, reason=code or "NOT_FOUND")
    if response.status_code in (401, 403):
        forget_token(key)
    retry = response.status_code in (401, 403, 408, 429) or response.status_code >= 500
    raise failure(response, retry=retry)


def _error_code(response) -> str:
    """FCM's own error code (details[].errorCode), else the Google status (NOT_FOUND, …)."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return ""
    for detail in error.get("details", []):
        if detail.get("errorCode"):
            return detail["errorCode"]
    return error.get("status", "")
