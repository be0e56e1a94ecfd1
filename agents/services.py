"""Writes for accounts, agents and API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from agents.models import (
    Account,
    Agent,
    ApiKey,
    AuditEntry,
    Membership,
    User,
    new_authorization_secret,
    new_shared_secret,
)

API_KEY_PREFIX = "sk_live_"


def api_key_digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def account_create(*, name: str, **fields) -> Account:
    account = Account(name=name, **fields)
    account.full_clean()
    account.save()
    return account


def api_key_create(
    *, account: Account, name: str, bot: Agent | None = None, actor: User | None = None
) -> tuple[ApiKey, str]:
    """Make a key and return it with its plain text, which is never stored and cannot be shown again."""
    plain = API_KEY_PREFIX + secrets.token_urlsafe(32).replace("-", "").replace("_", "")
    key = ApiKey.objects.create(
        account=account, name=name, bot=bot, prefix=plain[: len(API_KEY_PREFIX) + 4], digest=api_key_digest(plain)
    )
    audit_record(actor=actor, action="create API key", account=account, target=f"{name} ({key.prefix}…)")
    return key, plain


def api_key_revoke(*, key: ApiKey, actor: User | None = None) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="revoke API key", account=key.account, target=str(key))
    return key


def agent_create(
    *,
    username: str,
    display_name: str,
    password: str | None = None,
    is_bot: bool = False,
    is_staff: bool = True,
    is_superuser: bool = False,
    accounts: Mapping[Account, str] | None = None,
) -> Agent:
    """A desk login (or, for a bot without a password, an identity with no login) serving `accounts` with roles."""
    with transaction.atomic():
        user = User(username=username, is_staff=is_staff and not is_bot, is_superuser=is_superuser)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        agent = Agent.objects.create(user=user, display_name=display_name, is_bot=is_bot)
        for account, role in (accounts or {}).items():
            Membership.objects.create(agent=agent, account=account, role=role)
    return agent


def agent_for_user(*, user: User) -> Agent:
    """The login's agent, made if it has none (display name: the full name, else the username). Idempotent."""
    agent, _ = Agent.objects.get_or_create(user=user, defaults={"display_name": user.get_full_name() or user.username})
    return agent


SECRET_MAKERS = {"authorization_secret": new_authorization_secret, "shared_secret": new_shared_secret}


def audit_record(*, actor: User | None, action: str, account: Account | None = None, target: str = "") -> AuditEntry:
    return AuditEntry.objects.create(actor=actor, account=account, action=action, target=target[:200])


def account_secret_rotate(*, account: Account, secret: str, actor: User | None) -> Account:
    """A new authorization or shared secret: tokens made with the old one stop working within seconds
    (each server process keeps the account for up to 5 s)."""
    if secret not in SECRET_MAKERS:
        raise ValueError(f"unknown secret {secret!r}")
    with transaction.atomic():
        setattr(account, secret, SECRET_MAKERS[secret]())
        account.save(update_fields=[secret, "updated_at"])
        audit_record(actor=actor, action=f"rotate {secret.replace('_', ' ')}", account=account, target=account.name)
    return account
