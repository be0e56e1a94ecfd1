"""The request processing order of spec §1: the first failing check decides the response."""

from __future__ import annotations

import pytest

from tests.integration.helpers import JSON, add_closed_threads, assert_error, db_counts

pytestmark = pytest.mark.django_db


def test_route_comes_before_the_key(client):
    response = client.get("/api/v2/nothing-here")

    assert_error(response, 404, "not_found")


def test_method_comes_before_the_key(client):
    before = db_counts()

    response = client.put("/api/external/users", data="{}", content_type=JSON)

    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"].split(", ")
    assert "PUT" not in response["Allow"].split(", ")
    assert db_counts() == before


def test_key_comes_before_the_app_id(client, other_account):
    before = db_counts()

    response = client.put(
        "/api/v1/app_other/users/u1", data="{}", content_type=JSON, headers={"Authorization": "Bearer sk_live_nope"}
    )

    assert_error(response, 401, "invalid_api_key")
    assert db_counts() == before


def test_app_id_comes_before_the_rate_limit(api, settings):
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 2
    api.put(api.v1("users/u1"), {"name": "U", "email": None})
    before = db_counts()

    response = api.put("/api/v1/app_other/users/u2", {"name": "U", "email": None})

    assert_error(response, 403, "app_mismatch")
    assert db_counts() == before


def test_rate_limit_comes_before_the_body(api, settings):
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 2
    api.put(api.v1("users/u1"), {"name": "U", "email": None})
    before = db_counts()

    response = api.post("/api/external/users", raw="{bad json")

    assert_error(response, 429, "rate_limited")
    assert db_counts() == before


def test_body_size_comes_before_the_content_type(api):
    before = db_counts()

    response = api.post("/api/external/users", raw="x" * (1024 * 1024 + 1), content_type="text/plain")

    assert_error(response, 413, "payload_too_large")
    assert db_counts() == before


def test_json_syntax_comes_before_the_resource(api):
    before = db_counts()

    response = api.post("/api/v2/conversations/nope/chats", raw="{bad json")

    assert_error(response, 400, "malformed_json")
    assert db_counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v2/conversations/nope/chats", {"customer": {}, "text": " "}),
        ("patch", "/api/v2/conversations/nope", {"status": "bogus"}),
        ("post", "{v1}/conversations/nope/messages", {"not": "an array"}),
    ],
    ids=["chats", "patch", "v1-messages"],
)
def test_resource_comes_before_field_validation(api, method, path, body):
    before = db_counts()

    response = getattr(api, method)(path.format(v1=api.v1("").rstrip("/")), body)

    assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_merged_resource_comes_before_field_validation(api, make_conversation, merge):
    make_conversation("A")
    make_conversation("B")
    merge("A", "B")

    before = db_counts()

    response = api.post(api.v1("conversations/A/messages"), {"not": "an array"})

    assert_error(response, 404, "conversation_merged")
    assert db_counts() == before


def test_field_validation_comes_before_the_thread_limit(api, make_conversation, chat):
    conversation = make_conversation("123")
    add_closed_threads(conversation, 99)
    before = db_counts()

    response = chat("123", {"email": "new@example.com"}, text="   ")

    assert_error(response, 400, "validation_failed", fields=[("text", "blank")])
    assert db_counts() == before


def test_idempotency_conflict_comes_before_the_thread_limit(api, make_conversation):
    conversation = make_conversation("c1")
    api.post(api.v1("conversations/c1/messages"), [{"type": "SystemMessage", "text": "a", "idempotencyKey": "k"}])
    add_closed_threads(conversation, 99)
    before = db_counts()

    response = api.post(
        api.v1("conversations/c1/messages"),
        [{"type": "UserMessage", "sender": "alice", "text": "b", "idempotencyKey": "k"}],
    )

    assert_error(response, 409, "idempotency_conflict")
    assert db_counts() == before


def test_request_id_from_a_proxy_is_kept_as_log_ref(client):
    response = client.get("/api/v2/conversations", headers={"X-Request-Id": "proxy-request-0001"})

    error = assert_error(response, 401, "authentication_required")
    assert error["logRef"] == "proxy-request-0001"


def test_error_envelope_has_every_field(api):
    response = api.post("/api/external/users", {"firstName": "A"})

    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "logRef", "fields", "details"}
    assert {tuple(sorted(f)) for f in error["fields"]} == {("code", "message", "path")}
