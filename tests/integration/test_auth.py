"""Authentication and the request envelope (spec §1, §2): checklist rows 1 to 8 and 16."""

from __future__ import annotations

import json

import pytest

from agents.services import api_key_create, api_key_revoke
from conversations.models import Conversation
from devices.models import Customer
from tests.integration.helpers import ALICE, JSON, assert_error, db_counts

pytestmark = pytest.mark.django_db

USER_UUID = "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b"
EVERY_ENDPOINT = [
    ("post", "/api/external/users"),
    ("get", "/api/external/users/search?email=john@example.com"),
    ("get", f"/api/external/users/{USER_UUID}"),
    ("delete", f"/api/external/users/{USER_UUID}"),
    ("put", "/api/v1/app_7Hq2kL/users/12081"),
    ("get", "/api/v1/app_7Hq2kL/users/12081"),
    ("put", "/api/v1/app_7Hq2kL/conversations/order_391_fc"),
    ("get", "/api/v1/app_7Hq2kL/conversations/order_391_fc"),
    ("post", "/api/v1/app_7Hq2kL/conversations/order_391_fc/messages"),
    ("get", "/api/v1/app_7Hq2kL/conversations/order_391_fc/messages"),
    ("get", "/api/v2/conversations"),
    ("get", "/api/v2/conversations/123"),
    ("patch", "/api/v2/conversations/123"),
    ("post", "/api/v2/conversations/123/chats"),
    ("get", "/api/v2/conversations/123/threads"),
    ("get", "/api/v2/conversations/123/messages"),
    ("post", "/api/v2/conversations/123/messages"),
    ("post", "/api/v2/conversations/123/merge"),
    ("post", "/api/v2/conversations/123/typing"),
    ("get", f"/api/v2/attachments/{USER_UUID}"),
]


@pytest.mark.parametrize(("method", "path"), EVERY_ENDPOINT, ids=[f"{m} {p}" for m, p in EVERY_ENDPOINT])
def test_row_01_any_endpoint_without_a_key_is_authentication_required(client, account, method, path):
    before = db_counts()

    response = client.generic(method.upper(), path, "" if method in {"get", "delete"} else "{}", JSON)

    assert_error(response, 401, "authentication_required")
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert db_counts() == before


@pytest.mark.parametrize("header", ["bearer", "agent"])
def test_row_02_get_external_user_accepts_both_headers(api, create_user, header):
    user = create_user(email="john@example.com")

    response = api.using(header=header).get(f"/api/external/users/{user['id']}")

    assert response.status_code == 200, response.content
    assert response.json() == user


@pytest.mark.parametrize("header", ["agent", "bearer"])
def test_row_03_put_v1_user_accepts_both_headers(api, header):
    response = api.using(header=header).put(api.v1("users/u1"), ALICE)

    assert response.status_code == 200, response.content
    assert response.json() == {}
    assert Customer.objects.filter(account=api.account, fk_id="u1").count() == 1


def test_row_04_revoked_key_is_invalid_api_key(api, account):
    key, plain = api_key_create(account=account, name="old")
    api_key_revoke(key=key)
    before = db_counts()

    response = api.using(key=plain).put(api.v1("users/u1"), ALICE)

    assert_error(response, 401, "invalid_api_key")
    assert db_counts() == before


def test_row_05_both_headers_with_different_keys_is_invalid_api_key(api, account):
    _, second = api_key_create(account=account, name="second")
    before = db_counts()

    response = api.put(api.v1("users/u1"), ALICE, headers={"Agent-Secret-Key": second})

    assert_error(response, 401, "invalid_api_key")
    assert db_counts() == before


def test_row_05_both_headers_with_the_same_key_are_accepted(api):
    response = api.put(api.v1("users/u1"), ALICE, headers={"Agent-Secret-Key": api.key})

    assert response.status_code == 200, response.content


@pytest.mark.parametrize("authorization", ["Basic {key}", "Bearer", "Bearer sk_live_unknown", "{key}"])
def test_row_04_malformed_unknown_or_non_bearer_key_is_invalid_api_key(client, api, authorization):
    before = db_counts()

    response = client.put(
        api.v1("users/u1"),
        data=json.dumps(ALICE),
        content_type=JSON,
        headers={"Authorization": authorization.format(key=api.key)},
    )

    assert_error(response, 401, "invalid_api_key")
    assert db_counts() == before


def test_row_06_key_only_in_the_query_string_is_authentication_required(client, api):
    before = db_counts()

    response = client.put(f"{api.v1('users/u1')}?key={api.key}", data=json.dumps(ALICE), content_type=JSON)

    assert_error(response, 401, "authentication_required")
    assert db_counts() == before


@pytest.mark.parametrize("foreign_app_id", ["app_other", "app_nobody"], ids=["other-account", "unknown-app"])
def test_row_07_path_app_id_of_another_account_is_app_mismatch(api, other_api, make_user, foreign_app_id):
    make_user("alice")
    before = db_counts()

    response = api.put(f"/api/v1/{foreign_app_id}/conversations/c1", {"participants": ["alice"]})

    assert_error(response, 403, "app_mismatch")
    assert db_counts() == before
    assert Conversation.objects.filter(public_id="c1").exists() is False


def test_row_08_user_of_another_account_is_not_found(api, other_api):
    theirs = other_api.post("/api/external/users", {"firstName": "B", "lastName": "B", "email": "b@example.com"})

    response = api.get(f"/api/external/users/{theirs.json()['id']}")

    assert_error(response, 404, "not_found")


def test_row_16_malformed_json_is_400_malformed_json(api):
    before = db_counts()

    response = api.post("/api/external/users", raw="{bad json")

    assert_error(response, 400, "malformed_json")
    assert db_counts() == before


def test_row_16_duplicate_keys_are_malformed_json(api):
    before = db_counts()

    response = api.post(
        "/api/external/users", raw='{"firstName": "A", "firstName": "B", "lastName": "C", "email": "a@example.com"}'
    )

    assert_error(response, 400, "malformed_json")
    assert db_counts() == before


def test_row_16_body_that_is_not_utf8_is_malformed_json(api):
    before = db_counts()

    response = api.post("/api/external/users", raw='{"firstName": "Ren\xe9"}'.encode("latin-1"))

    assert_error(response, 400, "malformed_json")
    assert db_counts() == before


def test_row_16_text_plain_body_is_415(api):
    before = db_counts()

    response = api.post(
        "/api/external/users",
        raw=json.dumps({"firstName": "A", "lastName": "B", "email": "a@example.com"}),
        content_type="text/plain",
    )

    assert_error(response, 415, "unsupported_media_type")
    assert db_counts() == before


def test_unknown_route_is_404_and_wrong_method_is_405_with_allow(api):
    unknown = api.get("/api/v2/nothing-here")
    wrong_method = api.put("/api/external/users", {})

    assert_error(unknown, 404, "not_found")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert "POST" in wrong_method["Allow"]


def test_json_with_a_charset_parameter_is_accepted(api):
    response = api.post(
        "/api/external/users",
        raw=json.dumps({"firstName": "A", "lastName": "B", "email": "a@example.com"}),
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_client_api_identification_is_not_an_integration_credential(client, account):
    response = client.get(
        "/api/v2/conversations", headers={"x-iris-identification": f"{account.identification}:web-device-0001"}
    )

    assert_error(response, 401, "authentication_required")


def test_integration_key_is_not_a_client_api_credential(client, api):
    before = db_counts()

    response = client.post(
        "/clientApi/v1.9/devices", data=json.dumps({"type": 3}), content_type=JSON, headers=api.headers()
    )

    assert response.status_code == 401, response.content
    assert db_counts() == before
