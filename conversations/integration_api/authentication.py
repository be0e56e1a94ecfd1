"""API keys in `Agent-Secret-Key` or `Authorization: Bearer` (integration API §2). Keys are stored hashed.

An OAuth2 access token (POST /api/v2/oauth2/token) is accepted in the same places: it resolves to the API key its
app acts as (agents.models.OAuthClient), so `request.auth` is an ApiKey either way."""

from __future__ import annotations

import hmac
import logging
import math
import time

from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from agents.models import ApiKey
from agents.oauth import api_key_for_token
from agents.services import API_KEY_PREFIX, api_key_digest
from messenger_project.cache import counter_add, hashed
from messenger_project.client_address import client_address

logger = logging.getLogger("messenger.integration_api")

FAILED_ATTEMPTS_PER_MINUTE = 30
FAILURE_WINDOW_SECONDS = 60
LAST_USED_RESOLUTION_SECONDS = 60


def failed_attempt_count(request, presented: str, *, now: float | None = None, client_id: str | None = None) -> None:
    """Count a refused key against the real client address and against the key prefix it presented (a refused
    OAuth token request: against the `client_id` it named); past the limit in the current minute the refusal
    becomes a 429 whose `Retry-After` is the rest of that minute.

    Only refusals are counted and checked: a valid key is looked up first and never refused for what other
    clients (behind the same proxy, the same NAT, or guessing the same prefix) did."""
    now = time.time() if now is None else now
    window = int(now // FAILURE_WINDOW_SECONDS)
    counters = [f"apikey:failures:address:{hashed(client_address(request))}:{window}"]
    if presented.startswith(API_KEY_PREFIX):
        counters.append(f"apikey:failures:prefix:{hashed(presented[: len(API_KEY_PREFIX) + 4])}:{window}")
    if client_id:
        counters.append(f"oauth:failures:client:{hashed(client_id[:255])}:{window}")
    try:
        counts = [counter_add(key, 1, FAILURE_WINDOW_SECONDS + 5)[0] for key in counters]
    except Exception:  # the cache is an accelerator: without it a bad key is a plain 401
        logger.warning("Could not count a failed API key attempt", exc_info=True)
        return
    if max(counts) > FAILED_ATTEMPTS_PER_MINUTE:
        remaining = (window + 1) * FAILURE_WINDOW_SECONDS - now
        raise exceptions.Throttled(wait=max(1, math.ceil(remaining)))


class ApiKeyAuthentication(BaseAuthentication):
    """Sets `request.auth` to the ApiKey (with its account and bot). Both headers at once must agree.

    A value with the key prefix (`sk_live_`) is looked up as a key; any other as an access token (unexpired, its
    app not revoked), then as a key: one query for either when it is valid. An expired or revoked token is a
    401 `invalid_api_key` like a bad key (the Help Scout clients fetch a new token on any 401)."""

    def authenticate(self, request):
        secret_header = request.headers.get("Agent-Secret-Key")
        authorization = request.headers.get("Authorization")
        if secret_header is None and authorization is None:
            return None
        key = self._key(secret_header, authorization)
        if key is None:
            failed_attempt_count(request, (secret_header or authorization or "").strip().rpartition(" ")[2])
            raise exceptions.AuthenticationFailed()
        if cache.add(f"apikey:used:{key.pk}", 1, LAST_USED_RESOLUTION_SECONDS):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return (None, key)

    @staticmethod
    def _key(secret_header: str | None, authorization: str | None) -> ApiKey | None:
        bearer = None
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return None
            bearer = value.strip()
        if secret_header is not None and bearer is not None and not hmac.compare_digest(secret_header.strip(), bearer):
            return None
        plain = bearer or (secret_header or "").strip()
        if not plain:
            return None
        if not plain.startswith(API_KEY_PREFIX):
            key = api_key_for_token(plain)
            if key is not None:
                return key
        # A lookup by the SHA-256 digest: the plain key is never compared, so timing reveals nothing of it.
        return (
            ApiKey.objects.select_related("account", "bot")
            .filter(digest=api_key_digest(plain), revoked_at__isnull=True)
            .first()
        )

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="integration"'


class HasApiKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.auth is not None
