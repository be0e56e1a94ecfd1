"""Outgoing HTTP for deliveries: one pooled client per process, no redirects, a hard timeout, signed bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from agents.delivery.queue import DeliveryError
from messenger_project.numbers import is_digits

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
                headers={"User-Agent": USER_AGENT},
            )
        return _clients[http2]


@dataclass(frozen=True)
class Answer:
    """What a receiver answered: its status, headers and the first BODY_LIMIT bytes of its body."""

    status_code: int
    headers: httpx.Headers
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.content)


BODY_LIMIT = 64 * 1024  # enough for an error code or an access token; a receiver cannot make a worker read more


def http_post(url: str, *, http2: bool = False, **kwargs) -> Answer:
    """POST within DELIVERY_HTTP_TIMEOUT_SECONDS in all (§8.8: "2xx within 10 s"), reading at most BODY_LIMIT bytes
    of the answer. Transport failures (refused, reset, timed out, too slow) raise a retryable DeliveryError."""
    seconds = settings.DELIVERY_HTTP_TIMEOUT_SECONDS
    deadline = time.monotonic() + seconds
    try:
        with http_client(http2=http2).stream("POST", url, timeout=seconds, **kwargs) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= BODY_LIMIT or time.monotonic() > deadline:
                    break
            if time.monotonic() > deadline:
                raise DeliveryError(f"No complete answer within {seconds:g} s.")
            return Answer(status_code=response.status_code, headers=response.headers, content=bytes(body[:BODY_LIMIT]))
    except httpx.TimeoutException:
        raise DeliveryError(f"No answer within {seconds:g} s.") from None
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


def retry_after(response: Answer) -> int | None:
    value = response.headers.get("Retry-After", "")
    return int(value) if is_digits(value) else None


def failure(response: Answer, *, retry: bool = True) -> DeliveryError:
    """A non-2xx answer as a DeliveryError naming the status and the start of the body."""
    text = response.text[:300].strip()
    message = f"HTTP {response.status_code}" + (f": {text}" if text else "")
    return DeliveryError(message, status_code=response.status_code, retry=retry, retry_after=retry_after(response))
