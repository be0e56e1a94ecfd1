"""Registered customers' `Authorization` tokens (client API §2.2): made by the integrator's backend, verified here.

token = base64(customerId | customerAuthenticationKey | validUntil | verifyHash), where
customerAuthenticationKey = hex(HMAC-SHA512(authorization_secret, customerId)) and
verifyHash = hex(HMAC-SHA512(shared_secret, customerId + customerAuthenticationKey + validUntil)).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from messenger_project.errors import ServiceError
from messenger_project.numbers import is_digits

CLOCK_SKEW_SECONDS = 60


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha512).hexdigest()


def token_make(*, customer_id: str, authorization_secret: str, shared_secret: str, valid_until: int) -> str:
    """What an integrator's backend does; used by tests, the demo and the widget's docs."""
    key = _hmac_hex(authorization_secret, customer_id)
    verify = _hmac_hex(shared_secret, f"{customer_id}{key}{valid_until}")
    return base64.b64encode(f"{customer_id}|{key}|{valid_until}|{verify}".encode()).decode()


def token_verify(*, token: str, authorization_secret: str, shared_secret: str, now: float | None = None) -> str:
    """Return the customer id of a valid token; raise ServiceError 401 otherwise."""
    invalid = ServiceError("authorization_not_valid", status_code=401)
    compact = "".join(token.split())
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True).decode()
    except (binascii.Error, ValueError):
        raise invalid from None
    fields = raw.rsplit("|", 3)
    if len(fields) != 4:
        raise invalid
    customer_id, key, valid_until, verify = fields
    if not customer_id or not is_digits(valid_until):
        raise invalid
    expected_verify = _hmac_hex(shared_secret, f"{customer_id}{key}{valid_until}")
    expected_key = _hmac_hex(authorization_secret, customer_id)
    if not (hmac.compare_digest(expected_verify, verify.lower()) and hmac.compare_digest(expected_key, key.lower())):
        raise invalid
    if int(valid_until) + CLOCK_SKEW_SECONDS < (time.time() if now is None else now):
        raise ServiceError("authorization_expired", status_code=401)
    return customer_id
