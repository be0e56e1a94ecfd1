"""Outgoing HTTP for deliveries: one pooled client per process, no redirects, a hard timeout, signed bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time

import httpx
from django.conf import settings

from agents.delivery.queue import DeliveryError

USER_AGENT = "SecureMessenger-Delivery/1.0"
_clients: dict[bool, httpx.Client] = {}
_lock = threading.Lock()


def http_client(*, http2: bool = False) -> httpx.Client:
    """The process's client (HTTP/2 for APNs): kept connections, redirects never followed (§8.8)."""
    with _lock:
        if http2 not in _clients:
            _clients[http2] = httpx.Client(
                http2=http2,
                follow_redirects=False,
                timeout=httpx.Timeout(settings.DELIVERY_HTTP_TIMEOUT_SECONDS),
                headers={"User-Agent": USER_AGENT},
            )
        return _clients[http2]


def http_post(url: str, *, http2: bool = False, **kwargs) -> httpx.Response:
    """POST, with transport failures (refused, reset, timed out) raised as a retryable DeliveryError."""
    try:
        return http_client(http2=http2).post(url, **kwargs)
    except httpx.TimeoutException:
        raise DeliveryError(f"No answer within {settings.DELIVERY_HTTP_TIMEOUT_SECONDS:g} s.") from None
    except httpx.HTTPError as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None


def json_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256, keyed with the secret, of `"{timestamp}.{raw body}"` (§8.8)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signed_headers(*, secret: str, body: bytes, event_id: str, event_type: str) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "X-Webhook-Id": event_id,
        "X-Webhook-Event": event_type,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(secret, timestamp, body),
    }


def retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else None


def failure(response: httpx.Response, *, retry: bool = True) -> DeliveryError:
    """A non-2xx answer as a DeliveryError naming the status and the start of the body."""
    text = response.text[:300].strip()
    message = f"HTTP {response.status_code}" + (f": {text}" if text else "")
    return DeliveryError(message, status_code=response.status_code, retry=retry, retry_after=retry_after(response))
