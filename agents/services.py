"""Writes for accounts, agents and API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from agents.models import Account, Agent, ApiKey, Membership, User

API_KEY_PREFIX = "sk_live_"


def api_key_digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def account_create(*, name: str, **fields) -> Account:
    account = Account(name=name, **fields)
    account.full_clean()
    account.save()
    return account


def api_key_create(*, account: Account, name: str, bot: Agent | None = None) -> tuple[ApiKey, str]:
    """Make a key and return it with its plain text, which is never stored and cannot be shown again."""
    plain = API_KEY_PREFIX + secrets.token_urlsafe(32).replace("-", "").replace("_", "")
    key = ApiKey.objects.create(
        account=account, name=name, bot=bot, prefix=plain[: len(API_KEY_PREFIX) + 4], digest=api_key_digest(plain)
    )
    return key, plain


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
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
