"""The "OAuth apps" admin (issue #21, item 1): an app's client id and secret shown once, the secret stored hashed,
the app's token working, revocation, and another tenant's staff who cannot see or use the app."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from oauth2_provider.models import AccessToken, Application

from agents.models import ApiKey, AuditEntry, Membership, OAuthClient
from agents.services import agent_create, oauth_client_create
from tests.factories import make_account, make_agent

pytestmark = pytest.mark.django_db

ADD = "/admin/agents/oauthclient/add/"
CHANGELIST = "/admin/agents/oauthclient/"


@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_superuser("operator", "op@example.com", "pw-operator-123")
    client.force_login(user)
    return user


def _token(client, client_id: str, secret: str):
    return client.post(
        "/api/v2/oauth2/token",
        f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}",
        content_type="application/x-www-form-urlencoded",
    )


def _shown(response) -> tuple[str, str]:
    [shown] = [str(m) for m in get_messages(response.wsgi_request) if "clientSecret" in str(m)]
    client_id, secret = re.findall(r"<code>(\w+)</code>", shown)
    return client_id, secret


def test_an_app_made_in_the_admin_is_shown_once_stored_hashed_and_works(client, operator):
    account = make_account()
    bot = make_agent(account=account, is_bot=True)

    response = client.post(ADD, {"account": account.pk, "name": "Help Scout sync", "bot": bot.pk}, follow=True)

    assert response.status_code == 200
    client_id, secret = _shown(response)
    app = OAuthClient.objects.select_related("application", "identity").get(account=account)
    assert (app.name, app.client_id, app.identity.bot, app.identity.account) == (
        "Help Scout sync",
        client_id,
        bot,
        account,
    )
    assert app.application.client_secret.startswith("oauth_secret_pbkdf2_sha256$")
    assert secret not in app.application.client_secret
    page = client.get(f"{CHANGELIST}{app.pk}/change/").content.decode()
    assert client_id in page and secret not in page
    assert secret not in client.get(CHANGELIST).content.decode()
    token = _token(client, client_id, secret)
    assert token.status_code == 200, token.content
    listed = client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert listed.status_code == 200
    assert AuditEntry.objects.filter(actor=operator, action="create OAuth app", account=account).count() == 1


def test_revoking_an_app_in_the_admin_ends_its_tokens(client, operator):
    account = make_account()
    app, secret = oauth_client_create(account=account, name="sync")
    bearer = _token(client, app.client_id, secret).json()["access_token"]

    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [app.pk]})

    app.identity.refresh_from_db()
    assert app.identity.revoked_at is not None
    assert client.get("/api/v2/conversations", headers={"Authorization": f"Bearer {bearer}"}).status_code == 401
    assert _token(client, app.client_id, secret).status_code == 401
    assert not AccessToken.objects.exists()
    assert AuditEntry.objects.filter(action="revoke OAuth app", account=account, actor=operator).count() == 1


def test_another_tenants_staff_cannot_see_or_revoke_the_app(client):
    mine, theirs = make_account(name="Mine"), make_account(name="Theirs")
    their_app, _ = oauth_client_create(account=theirs, name="their sync")
    my_app, _ = oauth_client_create(account=mine, name="my sync")
    boss = agent_create(
        username="boss", display_name="Boss", password="pw-long-enough-123", accounts={mine: Membership.Role.ADMIN}
    )
    boss.user.user_permissions.set(Permission.objects.all())
    client.force_login(boss.user)

    listing = client.get(CHANGELIST).content.decode()
    assert "my sync" in listing and "their sync" not in listing
    assert client.get(f"{CHANGELIST}{their_app.pk}/change/").status_code in (302, 404)
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [their_app.pk]})
    their_app.identity.refresh_from_db()
    assert their_app.identity.revoked_at is None
    assert my_app.identity.revoked_at is None


def test_the_add_form_offers_this_tenants_bots_only(client):
    mine, theirs = make_account(name="Mine"), make_account(name="Theirs")
    my_bot = make_agent(account=mine, is_bot=True)
    their_bot = make_agent(account=theirs, is_bot=True)
    boss = agent_create(
        username="boss", display_name="Boss", password="pw-long-enough-123", accounts={mine: Membership.Role.ADMIN}
    )
    boss.user.user_permissions.set(Permission.objects.all())
    client.force_login(boss.user)

    form = client.get(ADD).content.decode()
    assert f'value="{my_bot.pk}"' in form and f'value="{their_bot.pk}"' not in form

    client.post(ADD, {"account": mine.pk, "name": "sneaky", "bot": their_bot.pk})
    assert not OAuthClient.objects.exists()
    assert not ApiKey.objects.filter(bot=their_bot).exists()


def test_dots_own_admins_are_off_the_site():
    for model in (Application, AccessToken):
        assert not admin.site.is_registered(model)
