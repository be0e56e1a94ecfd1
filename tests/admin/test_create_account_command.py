"""`manage.py create_account NAME [--agent USERNAME]` (issue #19, onboarding): the new account is served by the
named agent, or the command says on stderr that nobody serves it; stdout stays one JSON object."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from agents.models import Account, Agent, AuditEntry, Membership, OAuthClient, User
from conversations.desk.selectors import desk_accounts
from tests.factories import make_account, make_agent

pytestmark = pytest.mark.django_db

KEYS = [
    "id",
    "name",
    "appId",
    "identification",
    "authorizationSecret",
    "sharedSecret",
    "apiKey",
    "clientId",
    "clientSecret",
]


def run(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_account", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_without_an_agent_stdout_is_the_json_and_stderr_says_nobody_serves_the_account():
    result, err = run("Acme")

    assert list(result) == KEYS
    assert Account.objects.get(pk=result["id"]).name == "Acme"
    assert Membership.objects.exists() is False
    assert "Nobody serves 'Acme' yet" in err
    assert "--agent USERNAME" in err


def test_a_new_agent_gets_a_generated_password_printed_once_and_serves_the_account():
    result, err = run("Acme", "--agent", "alice")

    user = User.objects.get(username="alice")
    assert list(result) == [*KEYS, "agent"]
    assert result["agent"] == {
        "id": user.agent.pk,
        "username": "alice",
        "role": "admin",
        "password": result["agent"]["password"],
    }
    assert len(result["agent"]["password"]) >= 16
    assert user.check_password(result["agent"]["password"])
    assert (user.is_staff, user.is_superuser, user.agent.is_bot) == (True, False, False)
    assert [a.pk for a in desk_accounts(agent=user.agent)] == [result["id"]]
    assert err == ""


def test_a_new_agent_may_be_given_its_password_which_is_not_printed():
    result, _ = run("Acme", "--agent", "alice", "--agent-password", "correct horse battery staple", "--role", "agent")

    user = User.objects.get(username="alice")
    assert result["agent"] == {"id": user.agent.pk, "username": "alice", "role": "agent"}
    assert user.check_password("correct horse battery staple")
    assert user.agent.memberships.get().role == "agent"


def test_an_existing_agent_serves_the_new_account_too():
    agent = make_agent(account=make_account(name="Old"))

    result, _ = run("Acme", "--agent", agent.user.username)

    assert result["agent"] == {"id": agent.pk, "username": agent.user.username, "role": "admin"}
    assert sorted(a.name for a in desk_accounts(agent=agent)) == ["Acme", "Old"]
    assert User.objects.count() == 1
    assert AuditEntry.objects.filter(action="add agent", account_id=result["id"]).count() == 1


def test_a_superuser_without_an_agent_gets_one():
    User.objects.create_superuser(username="root", password="a long enough password")

    result, _ = run("Acme", "--agent", "root")

    agent = Agent.objects.get(user__username="root")
    assert result["agent"] == {"id": agent.pk, "username": "root", "role": "admin"}
    assert agent.memberships.get().account_id == result["id"]


@pytest.mark.parametrize(
    ("make", "args", "error"),
    [
        (lambda: make_agent(account=make_account(), is_bot=True).user.username, [], "is a bot"),
        (lambda: User.objects.create_user(username="visitor").username, [], "is not staff"),
        (lambda: make_agent(account=make_account()).user.username, ["--agent-password", "x" * 20], "exists"),
        (lambda: "alice", ["--agent-password", "12345678"], "too common"),
        (lambda: "no spaces allowed", [], "valid username"),
    ],
    ids=["bot", "not-staff", "password-of-an-existing-login", "weak-password", "bad-username"],
)
def test_a_refused_agent_leaves_no_account_and_no_login(make, args, error):
    username = make()
    accounts, users = Account.objects.count(), User.objects.count()

    with pytest.raises(CommandError, match=error):
        run("Acme", "--agent", username, *args)

    assert (Account.objects.count(), User.objects.count()) == (accounts, users)
    assert Account.objects.filter(name="Acme").exists() is False


def test_a_password_without_an_agent_is_refused():
    with pytest.raises(CommandError, match="--agent-password needs --agent"):
        run("Acme", "--agent-password", "correct horse battery staple")

    assert Account.objects.exists() is False


def test_the_printed_oauth_app_gets_a_token_that_works_like_the_api_key(client):
    result, _ = run("Acme")

    token = client.post(
        "/api/v2/oauth2/token",
        urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": result["clientId"],
                "client_secret": result["clientSecret"],
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )

    assert token.status_code == 200, token.content
    app = OAuthClient.objects.select_related("application").get(account_id=result["id"])
    assert app.client_id == result["clientId"] and result["clientSecret"] not in app.application.client_secret
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/api/v2/conversations", headers=bearer).status_code == 200
    assert (
        client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {result['apiKey']}"}).status_code == 200
    )
