"""Writes for accounts, agents and API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from agents.audit_changes import SECRET_CHANGED, is_secret, plain
from agents.models import (
    Account,
    Agent,
    ApiKey,
    AuditEntry,
    Membership,
    OAuthClient,
    User,
    new_authorization_secret,
    new_shared_secret,
)
from messenger_project.errors import ServiceError

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
        audit_record(
            actor=actor,
            action="revoke API key",
            account=key.account,
            target=str(key),
            changes={"revoked_at": [None, key.revoked_at]},
        )
    return key


def oauth_client_create(
    *, account: Account, name: str, bot: Agent | None = None, actor: User | None = None
) -> tuple[OAuthClient, str]:
    """An OAuth app (client credentials) of the account, returned with its plain secret, which is stored hashed
    and cannot be shown again. Its tokens act as a new API key of the app's own (see OAuthClient)."""
    plain = secrets.token_urlsafe(32).replace("-", "").replace("_", "")
    with transaction.atomic():
        identity, _ = api_key_create(account=account, name=f"OAuth app: {name}"[:100], bot=bot, actor=actor)
        application = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=plain,  # hashed on save (hash_client_secret)
            hash_client_secret=True,
            skip_authorization=True,
        )
        client = OAuthClient.objects.create(account=account, name=name, application=application, identity=identity)
        audit_record(actor=actor, action="create OAuth app", account=account, target=f"{name} ({client.client_id})")
    return client, plain


def oauth_client_revoke(*, client: OAuthClient, actor: User | None = None) -> OAuthClient:
    """No new token, and every token issued to it stops working at once (they act as its revoked key)."""
    with transaction.atomic():
        if client.identity.revoked_at is None:
            api_key_revoke(key=client.identity, actor=actor)
            audit_record(actor=actor, action="revoke OAuth app", account=client.account, target=str(client))
        AccessToken.objects.filter(application_id=client.application_id).delete()
    return client


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


def agent_preferences_set(*, agent: Agent, notify_browser: bool, notify_sound: bool) -> Agent:
    """The agent's desk notification preferences: a browser notification and a sound on a new customer message."""
    agent.notify_browser = bool(notify_browser)
    agent.notify_sound = bool(notify_sound)
    agent.save(update_fields=["notify_browser", "notify_sound"])
    return agent


def membership_add(
    *, agent: Agent, account: Account, role: str = Membership.Role.AGENT, actor: User | None = None
) -> Membership:
    """The agent serves the account (with `role`); an existing membership is kept as it is."""
    membership, created = Membership.objects.get_or_create(agent=agent, account=account, defaults={"role": role})
    if created:
        audit_record(
            actor=actor,
            action="add agent",
            account=account,
            target=f"{agent.user.username} ({role})",
            changes={"role": [None, role]},
        )
    return membership


@dataclass(frozen=True)
class Onboarding:
    account: Account
    api_key: str  # plain text: shown once
    oauth_client_id: str = ""
    oauth_client_secret: str = ""  # plain text: shown once
    agent: Agent | None = None
    agent_password: str | None = None  # only when a login was made with a generated password: shown once


def account_onboard(
    *,
    name: str,
    agent_username: str | None = None,
    agent_password: str | None = None,
    role: str = Membership.Role.ADMIN,
) -> Onboarding:
    """A new account with an API key, an OAuth app (client credentials) and, with `agent_username`, an agent
    serving it: that login's agent (made if it has none), or a new desk login with `agent_password` (checked by the
    password validators) or a generated one.

    Refused, with nothing written: a bot (`agent_is_bot`), a login that cannot sign in to the desk
    (`agent_not_staff`), a password for an existing login (`agent_exists`); a weak password is a ValidationError."""
    with transaction.atomic():
        account = account_create(name=name)
        _, plain_key = api_key_create(account=account, name="created by create_account")
        app, app_secret = oauth_client_create(account=account, name="created by create_account")
        credentials = {"api_key": plain_key, "oauth_client_id": app.client_id, "oauth_client_secret": app_secret}
        if agent_username is None:
            return Onboarding(account=account, **credentials)
        user = User.objects.filter(username=agent_username).first()
        generated = None
        if user is None:
            generated = None if agent_password else secrets.token_urlsafe(12)
            password = agent_password or generated
            User.username_validator(agent_username)
            validate_password(password, User(username=agent_username))
            agent = agent_create(username=agent_username, display_name=agent_username, password=password)
            audit_record(actor=None, action="create agent", account=account, target=agent_username)
        elif agent_password:
            raise ServiceError("agent_exists", message=f"{agent_username} exists: its password is not changed here.")
        elif Agent.objects.filter(user=user, is_bot=True).exists():
            raise ServiceError("agent_is_bot", message=f"{agent_username} is a bot: it has no desk.")
        elif not user.is_staff:
            raise ServiceError("agent_not_staff", message=f"{agent_username} is not staff: no desk sign-in.")
        else:
            agent = agent_for_user(user=user)
        membership_add(agent=agent, account=account, role=role)
    return Onboarding(account=account, **credentials, agent=agent, agent_password=generated)


SECRET_MAKERS = {"authorization_secret": new_authorization_secret, "shared_secret": new_shared_secret}


def audit_record(
    *,
    actor: User | None,
    action: str,
    account: Account | None = None,
    target: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """One entry of the audit log. `changes`: {field: [old, new]} as made by `agents.audit_changes` (a secret as
    "changed"); values are made plain JSON here, and secrets masked again, whatever the caller passed."""
    masked = {name: SECRET_CHANGED if is_secret(name) else plain(change) for name, change in (changes or {}).items()}
    return AuditEntry.objects.create(
        actor=actor, account=account, action=action[:64], target=target[:200], changes=masked
    )


#: What an erased customer's audited changes show instead of their old and new values.
ERASED_CHANGE = "erased"


def audit_changes_erase(*, account: Account, targets: list[str]) -> int:
    """Blank the old and new values of the entries about `targets` (an erased customer's "customer <uuid>"): the
    entries stay, naming who changed which fields when, without the personal data. Returns how many changed."""
    query = Q()
    for target in targets:
        query |= Q(target=target) | Q(target__startswith=f"{target} (")
    entries = AuditEntry.objects.filter(query, account=account).exclude(changes={}) if targets else []
    changed = 0
    for entry in entries:
        erased = {name: ERASED_CHANGE for name in entry.changes}
        if erased != entry.changes:
            entry.changes = erased
            entry.save(update_fields=["changes"])
            changed += 1
    return changed


def account_secret_rotate(*, account: Account, secret: str, actor: User | None) -> Account:
    """A new authorization or shared secret: tokens made with the old one stop working within seconds
    (each server process keeps the account for up to 5 s)."""
    if secret not in SECRET_MAKERS:
        raise ValueError(f"unknown secret {secret!r}")
    with transaction.atomic():
        setattr(account, secret, SECRET_MAKERS[secret]())
        account.save(update_fields=[secret, "updated_at"])
        audit_record(
            actor=actor,
            action=f"rotate {secret.replace('_', ' ')}",
            account=account,
            target=account.name,
            changes={secret: SECRET_CHANGED},
        )
    return account
