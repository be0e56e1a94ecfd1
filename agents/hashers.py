"""The hasher of OAuth app secrets (OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"])."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    """A salted HMAC-SHA256 (PBKDF2 with one iteration) for OAuth client secrets.

    Why not the password hasher's million iterations: stretching protects secrets a person chose, which can be
    guessed; a client secret is 32 random bytes that nobody can guess, like an API key (stored as a plain SHA-256
    digest, agents.services.api_key_digest). Stretching would only cost ~1 s of CPU on every token request,
    one an attacker who knows a client id can ask for. Listed last in PASSWORD_HASHERS, so no login password is
    ever hashed with it; a stored hash names its algorithm, so only these secrets are checked with it."""

    algorithm = "oauth_secret_pbkdf2_sha256"
    iterations = 1
