"""API keys in `Agent-Secret-Key` or `Authorization: Bearer` (integration API §2). Keys are stored hashed."""

from __future__ import annotations

import hmac

from django.core.cache import cache
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from agents.models import ApiKey
from agents.services import api_key_digest

FAILED_ATTEMPTS_PER_MINUTE = 30
LAST_USED_RESOLUTION_SECONDS = 60


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


class ApiKeyAuthentication(BaseAuthentication):
    """Sets `request.auth` to the ApiKey (with its account and bot). Both headers at once must agree."""

    def authenticate(self, request):
        secret_header = request.headers.get("Agent-Secret-Key")
        authorization = request.headers.get("Authorization")
        if secret_header is None and authorization is None:
            return None
        failures_key = f"apikey:failures:{_client_ip(request)}"
        if (cache.get(failures_key) or 0) >= FAILED_ATTEMPTS_PER_MINUTE:
            raise exceptions.Throttled(wait=60)
        key = self._key(secret_header, authorization)
        if key is None:
            cache.add(failures_key, 0, 60)
            cache.incr(failures_key)
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
