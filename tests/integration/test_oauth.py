"""OAuth2 client credentials (issue #21, item 1): `POST /api/v2/oauth2/token` as the Help Scout clients call it,
the token wherever an API key works, expiry, revocation, another tenant's token, bad input, the query count."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import requests
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from agents.models import AuditEntry, OAuthClient
from agents.oauth import token_checksum
from agents.services import oauth_client_create, oauth_client_revoke
from conversations.integration_api.authentication import FAILED_ATTEMPTS_PER_MINUTE
from tests.integration.helpers import assert_error, db_counts

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v2/oauth2/token"
FORM = "application/x-www-form-urlencoded"
TWO_DAYS = 172800


@pytest.fixture
def app(account):
    client, secret = oauth_client_create(account=account, name="Help Scout sync")
    return client, secret


@pytest.fixture
def other_app(other_account):
    return oauth_client_create(account=other_account, name="Other sync")


def helpscout_token_request(client_id: str, client_secret: str) -> requests.PreparedRequest:
    """Byte for byte what python-helpscout 2.0 (`HelpScout._authenticate`) and helpscout-mailbox 1.2
    (`HelpScoutClient._refresh_token`) send: `requests.post(url, data={...})`, credentials in the form."""
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
    return requests.Request("POST", "https://api.example.com/v2/oauth2/token", data=data).prepare()


def fetch_token(client, client_id: str, client_secret: str, **extra):
    prepared = helpscout_token_request(client_id, client_secret)
    return client.post(TOKEN_URL, data=prepared.body, content_type=prepared.headers["Content-Type"], **extra)


def token_of(client, app) -> str:
    oauth_client, secret = app
    response = fetch_token(client, oauth_client.client_id, secret)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def assert_oauth_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"] == error, body
    assert set(body) <= {"error", "error_description"}
    return body


# --- the token, as the real clients fetch it ------------------------------------------------------------------


def test_the_helpscout_clients_request_gets_help_scouts_answer(client, app):
    oauth_client, secret = app
    prepared = helpscout_token_request(oauth_client.client_id, secret)
    assert prepared.headers["Content-Type"] == FORM and "Authorization" not in prepared.headers

    response = fetch_token(client, oauth_client.client_id, secret)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token_type", "access_token", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == TWO_DAYS
    assert response["Cache-Control"] == "no-store"
    stored = oauth_client.application.client_secret
    assert stored.startswith("oauth_secret_pbkdf2_sha256$") and secret not in stored  # hashed at rest
    token = AccessToken.objects.get(application=oauth_client.application)
    assert token.token == "" and token.token_checksum == token_checksum(body["access_token"])  # hashed at rest
    assert timedelta(seconds=TWO_DAYS - 5) < token.expires - timezone.now() <= timedelta(seconds=TWO_DAYS)


def test_http_basic_client_authentication_works_too(client, app):
    oauth_client, secret = app
    basic = base64.b64encode(f"{oauth_client.client_id}:{secret}".encode()).decode()

    response = client.post(
        TOKEN_URL, data="grant_type=client_credentials", content_type=FORM, headers={"Authorization": f"Basic {basic}"}
    )

    assert response.status_code == 200, response.content


def test_the_token_works_wherever_an_api_key_works(client, app, api, make_conversation):
    make_conversation("c1")
    token_api = api.using(key=token_of(client, app))

    listed = token_api.get("/api/v2/conversations")
    assert listed.status_code == 200, listed.content
    assert [c["id"] for c in listed.json()["_embedded"]["conversations"]] == ["c1"]
    assert token_api.get("/api/v2/conversations/c1").status_code == 200
    closed = token_api.patch("/api/v2/conversations/c1", {"status": "closed"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    # the TalkJS-style family and the Agent-Secret-Key header too
    assert token_api.get(token_api.v1("conversations/c1")).status_code == 200
    assert token_api.using(header="agent").get("/api/v2/conversations").status_code == 200


def test_a_token_acts_as_its_apps_bot(client, account, bot, make_conversation, api):
    make_conversation("c1")
    app = oauth_client_create(account=account, name="Bot app", bot=bot)
    token_api = api.using(key=token_of(client, app))

    response = token_api.post("/api/v2/conversations/c1/messages", {"text": "Hello from the bot"})

    assert response.status_code in (200, 201), response.content
    assert response.json()["sender"] == {"userId": str(bot.pk), "kind": "bot"}


def test_api_keys_keep_working_beside_tokens(client, app, api):
    token_of(client, app)

    assert api.get("/api/v2/conversations").status_code == 200


def test_a_webhook_made_with_a_token_is_owned_by_the_apps_key(client, app, api, private_targets):
    token_api = api.using(key=token_of(client, app))

    response = token_api.post(
        "/api/v2/webhooks", {"url": "https://hooks.example.com/in", "events": ["conversation.created"]}
    )

    assert response.status_code == 201, response.content
    oauth_client, _ = app
    assert oauth_client.account.webhooks.get().owner_key == oauth_client.identity


def test_a_token_costs_the_same_queries_as_a_key(client, app, api, make_conversation):
    make_conversation("c1")
    token_api = api.using(key=token_of(client, app))
    api.get("/api/v2/conversations")
    token_api.get("/api/v2/conversations")  # both "last used" marks written: the next requests only read

    with CaptureQueriesContext(connection) as with_key:
        assert api.get("/api/v2/conversations").status_code == 200
    with CaptureQueriesContext(connection) as with_token:
        assert token_api.get("/api/v2/conversations").status_code == 200

    assert len(with_token) == len(with_key)


def test_the_token_request_has_a_fixed_query_budget(client, app, django_assert_max_num_queries):
    oauth_client, secret = app
    with django_assert_max_num_queries(8):
        assert fetch_token(client, oauth_client.client_id, secret).status_code == 200


# --- expiry, revocation, tenants ------------------------------------------------------------------------------


def test_an_expired_token_is_a_401(client, app, api, time_machine):
    token_api = api.using(key=token_of(client, app))
    time_machine.move_to(timezone.now() + timedelta(seconds=TWO_DAYS - 60))
    assert token_api.get("/api/v2/conversations").status_code == 200

    time_machine.move_to(timezone.now() + timedelta(seconds=120))

    response = token_api.get("/api/v2/conversations")
    assert_error(response, 401, "invalid_api_key")
    assert response["WWW-Authenticate"] == 'Bearer realm="integration"'


def test_revoking_the_app_ends_its_tokens_and_refuses_new_ones(client, app, api, admin_user):
    oauth_client, secret = app
    token_api = api.using(key=token_of(client, app))

    oauth_client_revoke(client=oauth_client, actor=admin_user)

    assert_error(token_api.get("/api/v2/conversations"), 401, "invalid_api_key")
    assert_oauth_error(fetch_token(client, oauth_client.client_id, secret), 401, "invalid_client")
    assert not AccessToken.objects.filter(application=oauth_client.application).exists()
    assert AuditEntry.objects.filter(action="revoke OAuth app", account=oauth_client.account).exists()
    assert api.get("/api/v2/conversations").status_code == 200  # the account's own keys are untouched


def test_revoking_the_apps_key_ends_its_tokens_too(client, app, api):
    oauth_client, _ = app
    token_api = api.using(key=token_of(client, app))

    oauth_client.identity.revoked_at = timezone.now()
    oauth_client.identity.save()

    assert_error(token_api.get("/api/v2/conversations"), 401, "invalid_api_key")


def test_another_tenants_token_gets_404_for_this_accounts_conversation(client, api, other_app, make_conversation):
    make_conversation("c1")
    before = api.get("/api/v2/conversations/c1").json()
    other = api.using(key=token_of(client, other_app))

    assert_error(other.get("/api/v2/conversations/c1"), 404, "not_found")
    assert_error(other.patch("/api/v2/conversations/c1", {"status": "closed"}), 404, "not_found")
    assert other.get("/api/v2/conversations").json()["_embedded"]["conversations"] == []
    assert api.get("/api/v2/conversations/c1").json() == before


def test_another_tenants_token_cannot_use_this_accounts_app_id(client, api, other_app):
    other = api.using(key=token_of(client, other_app))

    assert_error(other.get(api.v1("users/u1")), 403, "app_mismatch")


def test_an_app_made_outside_the_admin_gets_no_token(client):
    """A raw DOT application tied to no account (made by hand in the shell) is an unknown client."""
    Application.objects.create(
        name="stray",
        client_id="stray-client",
        client_secret="stray-secret",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )

    assert_oauth_error(fetch_token(client, "stray-client", "stray-secret"), 401, "invalid_client")


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password", "username": "a", "password": "b"}, 400, "unsupported_grant_type"),
        (
            {
                "grant_type": "password",
                "username": "a",
                "password": "b",
                "client_id": "{id}",
                "client_secret": "{secret}",
            },
            400,
            "unsupported_grant_type",
        ),
        (
            {"grant_type": "authorization_code", "code": "x", "client_id": "{id}", "client_secret": "{secret}"},
            400,
            "unsupported_grant_type",
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "x", "client_id": "{id}", "client_secret": "{secret}"},
            400,
            "unsupported_grant_type",
        ),
        ({"client_id": "{id}", "client_secret": "{secret}"}, 400, "invalid_request"),
        ({"grant_type": "nonsense", "client_id": "{id}", "client_secret": "{secret}"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "{id}", "client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "{id}"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "a\x00b", "client_secret": "x"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": "{id}", "client_secret": "{secret}", "scope": "admin"},
            400,
            "invalid_scope",
        ),
    ],
)
def test_bad_token_requests_get_rfc6749_errors_and_no_token(client, app, form, status, error):
    oauth_client, secret = app
    form = {k: v.format(id=oauth_client.client_id, secret=secret) for k, v in form.items()}
    body = requests.Request("POST", "https://x/", data=form).prepare().body or ""

    assert_oauth_error(client.post(TOKEN_URL, data=body, content_type=FORM), status, error)
    assert not AccessToken.objects.exists()


def test_json_instead_of_a_form_is_invalid_request(client, app):
    oauth_client, secret = app
    body = {"grant_type": "client_credentials", "client_id": oauth_client.client_id, "client_secret": secret}

    response = client.post(TOKEN_URL, data=json.dumps(body), content_type="application/json")

    assert_oauth_error(response, 400, "invalid_request")
    assert not AccessToken.objects.exists()


def test_another_method_is_405_with_allow(client):
    response = client.get(TOKEN_URL)

    assert_oauth_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST, OPTIONS"


def test_a_large_body_is_413(client):
    response = client.post(TOKEN_URL, data="grant_type=client_credentials&x=" + "a" * 20000, content_type=FORM)

    assert_oauth_error(response, 413, "payload_too_large")


def test_plain_http_from_elsewhere_is_refused(client, app):
    oauth_client, secret = app

    response = fetch_token(client, oauth_client.client_id, secret, REMOTE_ADDR="203.0.113.9")

    assert_oauth_error(response, 403, "https_required")
    assert not AccessToken.objects.exists()


def test_failed_token_requests_are_rate_limited_but_the_right_secret_is_not(client, app):
    oauth_client, secret = app
    for _ in range(FAILED_ATTEMPTS_PER_MINUTE):
        assert fetch_token(client, oauth_client.client_id, "wrong").status_code == 401

    locked = fetch_token(client, oauth_client.client_id, "wrong")

    assert_oauth_error(locked, 429, "rate_limited")
    assert 1 <= int(locked["Retry-After"]) <= 60
    assert fetch_token(client, oauth_client.client_id, secret).status_code == 200


def test_a_bad_bearer_is_still_throttled_like_a_bad_key(client, api):
    bad = api.using(key="notatokennorakey")
    for _ in range(FAILED_ATTEMPTS_PER_MINUTE):
        assert bad.get("/api/v2/conversations").status_code == 401

    assert_error(bad.get("/api/v2/conversations"), 429, "rate_limited")


def test_a_refused_token_request_writes_nothing(client, app):
    before = (db_counts(), OAuthClient.objects.count(), AccessToken.objects.count())

    fetch_token(client, app[0].client_id, "wrong")

    assert (db_counts(), OAuthClient.objects.count(), AccessToken.objects.count()) == before


def test_cleartokens_removes_expired_tokens_only(client, app, other_app, time_machine):
    token_of(client, app)
    time_machine.move_to(timezone.now() + timedelta(seconds=TWO_DAYS + 60))
    fresh = token_of(client, other_app)

    call_command("cleartokens")

    assert [t.token_checksum for t in AccessToken.objects.all()] == [token_checksum(fresh)]


def test_failures_for_one_client_id_from_many_addresses_are_limited_too(client, app, settings):
    settings.BEHIND_PROXY = True
    oauth_client, secret = app
    for n in range(FAILED_ATTEMPTS_PER_MINUTE):
        forwarded = {"headers": {"X-Forwarded-For": f"203.0.113.{n + 1}"}, "secure": True}
        assert fetch_token(client, oauth_client.client_id, "wrong", **forwarded).status_code == 401

    other_address = {"headers": {"X-Forwarded-For": "198.51.100.7"}, "secure": True}
    assert_oauth_error(fetch_token(client, oauth_client.client_id, "wrong", **other_address), 429, "rate_limited")
    assert fetch_token(client, oauth_client.client_id, secret, **other_address).status_code == 200


def test_a_nul_in_a_basic_auth_client_id_is_invalid_client(client):
    basic = base64.b64encode(b"a\x00b:secret").decode()

    response = client.post(
        TOKEN_URL, data="grant_type=client_credentials", content_type=FORM, headers={"Authorization": f"Basic {basic}"}
    )

    assert_oauth_error(response, 401, "invalid_client")
