"""Operators' admin: API keys shown once, revoked; secrets rotated; per-account edit rights; the audit log."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.models import ApiKey, AuditEntry, Membership
from agents.services import agent_create, api_key_digest
from devices.tokens import token_make
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_superuser("operator", "op@example.com", "pw-operator-123")
    client.force_login(user)
    return user


def _token(account, customer_id="customer-1") -> str:
    return token_make(
        customer_id=customer_id,
        authorization_secret=account.authorization_secret,
        shared_secret=account.shared_secret,
        valid_until=int(time.time()) + 3600,
    )


def _register(client, account, token: str):
    return client.post(
        "/clientApi/v1.9/devices",
        "{}",
        content_type="text/plain",
        headers={"x-iris-identification": f"{account.identification}:device-000001", "Authorization": token},
    )


def test_a_key_made_in_the_admin_is_shown_once_stored_hashed_and_works(client, operator):
    account = make_account()

    response = client.post("/admin/agents/apikey/add/", {"account": account.pk, "name": "backend"}, follow=True)

    [shown] = [str(m) for m in get_messages(response.wsgi_request) if "sk_live_" in str(m)]
    plain = re.search(r"<code>(sk_live_\w+)</code>", shown).group(1)
    key = ApiKey.objects.get(account=account)
    assert (key.name, key.digest, key.prefix) == ("backend", api_key_digest(plain), plain[:12])
    assert plain not in client.get(f"/admin/agents/apikey/{key.pk}/change/").content.decode()
    assert client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    assert AuditEntry.objects.filter(actor=operator, action="create API key", account=account).count() == 1


def test_a_key_revoked_in_the_admin_is_refused(client, operator):
    account = make_account()
    client.post("/admin/agents/apikey/add/", {"account": account.pk, "name": "backend"}, follow=True)
    key = ApiKey.objects.get(account=account)
    plain_prefix = key.prefix

    client.post("/admin/agents/apikey/", {"action": "revoke", "_selected_action": [key.pk]})

    key.refresh_from_db()
    assert key.revoked_at is not None and key.prefix == plain_prefix
    assert AuditEntry.objects.filter(action="revoke API key", account=account).count() == 1


def test_rotating_the_shared_secret_makes_old_tokens_fail(client, operator):
    account = make_account()
    old_token = _token(account)
    assert _register(client, account, old_token).status_code == 200

    client.post("/admin/agents/account/", {"action": "rotate_shared_secret", "_selected_action": [account.pk]})

    account.refresh_from_db()
    refused = _register(client, account, old_token)
    assert (refused.status_code, refused.json()["notifications"][0]["message"]) == (401, "authorization_not_valid")
    assert _register(client, account, _token(account)).status_code == 200
    assert AuditEntry.objects.filter(action="rotate shared secret", account=account, actor=operator).exists()


def test_rotating_the_authorization_secret_makes_old_tokens_fail(client, operator):
    account = make_account()
    old_token = _token(account)

    client.post("/admin/agents/account/", {"action": "rotate_authorization_secret", "_selected_action": [account.pk]})

    assert _register(client, account, old_token).status_code == 401


def test_only_an_admin_of_the_account_may_change_it(client):
    account = make_account(name="Shop")
    member = agent_create(
        username="member",
        display_name="Member",
        password="pw-member-123",
        is_staff=True,
        accounts={account: Membership.Role.AGENT},
    )
    boss = agent_create(
        username="boss",
        display_name="Boss",
        password="pw-boss-123",
        is_staff=True,
        accounts={account: Membership.Role.ADMIN},
    )
    for agent in (member, boss):
        agent.user.user_permissions.add(*_account_permissions())

    client.force_login(member.user)
    refused = client.post(f"/admin/agents/account/{account.pk}/change/", {"name": "Renamed"})
    client.force_login(boss.user)
    form = client.get(f"/admin/agents/account/{account.pk}/change/")

    assert refused.status_code == 403
    assert form.status_code == 200 and 'name="name"' in form.content.decode()
    account.refresh_from_db()
    assert account.name == "Shop"


def _account_permissions():
    return Permission.objects.filter(content_type__app_label="agents", codename__in=["view_account", "change_account"])


def test_the_secrets_are_shown_read_only_with_a_copy_button(client, operator):
    account = make_account()

    page = client.get(f"/admin/agents/account/{account.pk}/change/").content.decode()

    assert account.shared_secret in page and 'name="shared_secret"' not in page
    assert page.count(">Copy</button>") == 4


@pytest.mark.parametrize(
    "path",
    [
        "agents/account",
        "agents/apikey",
        "agents/auditentry",
        "agents/agent",
        "devices/customer",
        "devices/device",
        "conversations/conversation",
        "conversations/message",
        "conversations/thread",
        "conversations/media",
    ],
)
def test_admin_lists_load(client, operator, path):
    assert client.get(f"/admin/{path}/").status_code == 200


# --- onboarding (issue #19): an account nobody serves says so -----------------------------------------------------


def test_the_account_list_says_which_accounts_nobody_serves(client, operator):
    served, bots_only = make_account(name="Served"), make_account(name="Bots")
    make_account(name="Unserved")
    agent_create(username="alice", display_name="Alice", accounts={served: "admin"})
    agent_create(username="bob", display_name="Bob", accounts={served: "agent"})
    agent_create(username="robot", display_name="Robot", is_bot=True, accounts={bots_only: "agent"})

    page = client.get("/admin/agents/account/").content.decode()

    rows = {
        name: re.search(rf">{name}</a></th>(.*?)</tr>", page, re.S).group(1) for name in ("Served", "Unserved", "Bots")
    }
    assert '<td class="field-agents_serving">2</td>' in rows["Served"]
    assert "Nobody serves it" in rows["Unserved"]
    assert "Nobody serves it" in rows["Bots"]  # a bot answers through the API, not in the desk
    assert "Nobody serves it" not in rows["Served"]


def test_the_account_list_counts_agents_in_one_query_whatever_the_rows(client, operator):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/agents/account/").status_code == 200
        return len(queries)

    agent_create(username="alice", display_name="Alice", accounts={make_account(): "admin"})
    few = count()
    for n in range(10):
        agent_create(username=f"agent-{n}", display_name=f"Agent {n}", accounts={make_account(): "agent"})

    assert count() == few


def test_the_change_page_of_an_account_nobody_serves_says_so(client, operator):
    unserved, served = make_account(), make_account()
    agent_create(username="alice", display_name="Alice", accounts={served: "agent"})

    warned = client.get(f"/admin/agents/account/{unserved.pk}/change/")
    quiet = client.get(f"/admin/agents/account/{served.pk}/change/")

    assert [str(m) for m in get_messages(warned.wsgi_request)][0].startswith("Nobody serves this account")
    assert 'href="/admin/agents/agent/"' in warned.content.decode()
    assert [str(m) for m in get_messages(quiet.wsgi_request)] == []
