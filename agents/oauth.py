"""OAuth2 client credentials (django-oauth-toolkit) tied to the tenants: which apps may get a token, and which
API key a token acts as (agents.models.OAuthClient)."""

from __future__ import annotations

import hashlib

from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from agents.models import ApiKey, OAuthClient


class TenantOAuth2Validator(OAuth2Validator):
    """DOT's validator, refusing an app that is no account's OAuth app or whose app was revoked: such a client is
    unknown (`invalid_client`), exactly as a wrong client_id is."""

    def _load_application(self, client_id, request):
        if not isinstance(client_id, str) or "\x00" in client_id:
            return None  # PostgreSQL (psycopg 3) refuses NUL in a query with a DataError, not DOT's ValueError
        client = super()._load_application(client_id, request)
        if client is None:
            return None
        if not OAuthClient.objects.filter(application=client, identity__revoked_at__isnull=True).exists():
            request.client = None
            return None
        return client

    def validate_user(self, username, password, client, request, *args, **kwargs):
        """Never: no grant here takes a desk login's password (the server serves client credentials alone)."""
        return False


def token_checksum(plain: str) -> str:
    """How DOT finds a token (it keeps only this checksum at rest: COMPLIANT_BCP_RFC9700_TOKEN_STORAGE)."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def api_key_for_token(plain: str) -> ApiKey | None:
    """The API key an unexpired access token of a live OAuth app acts as, with its account and bot; one query."""
    return (
        ApiKey.objects.select_related("account", "bot")
        .filter(
            revoked_at__isnull=True,
            oauth_client__application__accesstoken__token_checksum=token_checksum(plain),
            oauth_client__application__accesstoken__expires__gt=timezone.now(),
        )
        .first()
    )
