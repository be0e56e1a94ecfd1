"""The OpenAPI schema is as strict as the server (issue #16, finding 7): what the server refuses with a 400, the
schema calls invalid, and every 400 the server gives is documented. Each case is checked on both sides: the schema
says it, and the server does it."""

from __future__ import annotations

import json
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from agents.services import api_key_create
from tests.factories import make_account, make_conversation, make_customer, register_device

pytestmark = pytest.mark.django_db

CLIENT = "/clientApi/v{api_version}"
IDEMPOTENT_OPERATIONS = [
    ("/api/external/users", "post"),
    ("/api/external/users/{user_id}", "delete"),
    ("/api/v2/conversations", "post"),
    ("/api/v2/conversations/{conversation_id}", "delete"),
    ("/api/v2/conversations/{conversation_id}", "patch"),
    ("/api/v2/conversations/{conversation_id}/customer", "post"),
    ("/api/v2/conversations/{conversation_id}/notes", "post"),
    ("/api/v2/conversations/{conversation_id}/reply", "post"),
    ("/api/v2/conversations/{conversation_id}/threads/{thread_id}", "patch"),
    ("/api/v2/conversations/{conversation_id}/threads/{thread_id}/attachments", "post"),
    ("/api/v2/customers", "post"),
    ("/api/v2/customers/{customer_id}", "patch"),
    ("/api/v2/customers/{customer_id}/erase", "post"),
    ("/api/v2/conversations/{conversation_id}/chats", "post"),
    ("/api/v2/conversations/{conversation_id}/messages", "post"),
    ("/api/v2/conversations/{conversation_id}/merge", "post"),
    ("/api/v2/conversations/{conversation_id}/handover", "post"),
    ("/api/v2/conversations/{conversation_id}/snooze", "delete"),
    ("/api/v2/conversations/{conversation_id}/typing", "post"),
    ("/api/v2/webhooks", "post"),
    ("/api/v2/webhooks/{webhook_id}", "delete"),
    ("/api/v2/webhooks/{webhook_id}/test", "post"),
]


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _body(schema: dict, path: str, method: str) -> dict:
    return _component(
        schema, schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    )


def _parameter(schema: dict, path: str, method: str, name: str) -> dict:
    [parameter] = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    return parameter


@pytest.fixture
def ident(db) -> dict[str, str]:
    """The identification header of a registered anonymous device with a conversation."""
    account = make_account()
    device = register_device(account=account, device_id="strict-device-01")
    make_conversation(account=account, customers=[device.customer])
    return {"x-iris-identification": f"{account.identification}:strict-device-01"}


@pytest.fixture
def bearer(db) -> dict:
    account = make_account()
    _, key = api_key_create(account=account, name="strict")
    make_conversation(account=account, customers=[make_customer(account=account)], public_id="strict-1")
    return {"Authorization": f"Bearer {key}"}


# --- messages/before:0 is a 400, messages/after:0 a 200 ---------------------------------------------------------


def test_the_schema_gives_before_and_after_cursors_their_own_ranges(schema):
    before = _parameter(schema, f"{CLIENT}/messages/before:{{cursor}}", "get", "cursor")["schema"]["pattern"]
    after = _parameter(schema, f"{CLIENT}/messages/after:{{cursor}}", "get", "cursor")["schema"]["pattern"]

    assert f"{CLIENT}/messages/{{direction}}:{{cursor}}" not in schema["paths"]
    cursors = ("0", "000", "1", "10", "x", "")
    assert {c: bool(re.fullmatch(before, c)) for c in cursors} == {
        "0": False,
        "000": False,
        "1": True,
        "10": True,
        "x": False,
        "": False,
    }
    assert {c: bool(re.fullmatch(after, c)) for c in cursors} == {
        "0": True,
        "000": True,
        "1": True,
        "10": True,
        "x": False,
        "": False,
    }


def test_the_server_refuses_before_0_and_serves_after_0(client, ident):
    before = client.get("/clientApi/v1.9/messages/before:0", headers=ident)
    after = client.get("/clientApi/v1.9/messages/after:0", headers=ident)

    assert before.status_code == 400 and before.json()["notifications"][0]["message"] == "validation_error"
    assert after.status_code == 200


# --- an empty messageIds --------------------------------------------------------------------------------------------


def test_the_schema_says_message_ids_is_not_empty(schema):
    body = _body(schema, f"{CLIENT}/messages/status/{{status}}", "put")

    assert body["properties"]["messageIds"]["minItems"] == 1
    assert body["required"] == ["messageIds"]


def test_the_server_refuses_an_empty_message_ids(client, ident):
    response = client.put(
        "/clientApi/v1.9/messages/status/4",
        data=json.dumps({"messageIds": []}),
        content_type="application/json",
        headers=ident,
    )

    assert response.status_code == 400
    assert response.json()["notifications"][1]["message"] == "messageIds: This list may not be empty."


# --- a referrer that is not a URL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["referer", "referrer"])
def test_the_schema_says_the_device_referrer_is_a_url_or_empty(schema, name):
    field = _body(schema, f"{CLIENT}/devices", "post")["properties"][name]

    [empty, url] = field["anyOf"]
    assert empty == {"type": "string", "maxLength": 0}
    assert url["format"] == "uri" and url["maxLength"] == 2048
    assert [bool(re.match(url["pattern"], v)) for v in ("https://a.example", "HTTP://a.example", "ftp://a", "x:y")] == [
        True,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(("referrer", "status"), [("not a url", 400), ("file:///index.html", 400), ("", 200)])
def test_the_server_keeps_only_a_url_as_the_device_referrer(client, ident, referrer, status):
    response = client.post(
        "/clientApi/v1.9/devices",
        data=json.dumps({"type": 3, "referrer": referrer}),
        content_type="text/plain",
        headers=ident,
    )

    assert response.status_code == status, response.content


# --- an empty Idempotency-Key ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "method"), IDEMPOTENT_OPERATIONS)
def test_the_schema_bounds_the_idempotency_key_and_lists_its_400(schema, path, method):
    header = _parameter(schema, path, method, "Idempotency-Key")
    bad_request = schema["paths"][path][method]["responses"]["400"]["content"]["application/json"]

    assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 255)
    assert bad_request["examples"]["BadIdempotencyKey"]["value"]["error"]["message"] == (
        "Idempotency-Key must be 1 to 255 characters."
    )


def test_only_the_operations_that_take_the_idempotency_key_document_it(schema):
    documented = {
        (path, method)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }

    assert documented == set(IDEMPOTENT_OPERATIONS)


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_the_server_refuses_an_empty_or_long_idempotency_key(client, bearer, key):
    response = client.post(
        "/api/v2/conversations/strict-1/typing",
        data=json.dumps({"state": "start"}),
        content_type="application/json",
        headers={**bearer, "Idempotency-Key": key},
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Idempotency-Key must be 1 to 255 characters."


# --- assigneeId=0 ---------------------------------------------------------------------------------------------------


def test_the_schema_says_assignee_ids_are_positive(schema):
    query = _parameter(schema, "/api/v2/conversations", "get", "assigneeId")["schema"]
    patch = schema["paths"]["/api/v2/conversations/{conversation_id}"]["patch"]["requestBody"]["content"]
    body = _component(schema, patch["application/json"]["schema"]["$ref"])
    body = _component(schema, body["oneOf"][0]["$ref"])  # today's body (or Help Scout's operations, #21)

    assert query["anyOf"][0] == {"type": "integer", "minimum": 1, "format": "int64"}
    assert query["anyOf"][1] == {"type": "string", "maxLength": 0}  # `?assigneeId=` is no filter
    assert body["properties"]["assigneeId"] == {**body["properties"]["assigneeId"], "type": "integer", "minimum": 1}
    assert body["properties"]["assigneeId"]["nullable"] is True


@pytest.mark.parametrize(("query", "status"), [("assigneeId=0", 400), ("assigneeId=1", 200), ("assigneeId=", 200)])
def test_the_server_refuses_assignee_id_0(client, bearer, query, status):
    response = client.get(f"/api/v2/conversations?{query}", headers=bearer)

    assert response.status_code == status, response.content


def test_the_server_refuses_a_patch_to_assignee_0(client, bearer):
    response = client.patch(
        "/api/v2/conversations/strict-1",
        data=json.dumps({"assigneeId": 0}),
        content_type="application/json",
        headers=bearer,
    )

    assert response.status_code == 400
    assert [(f["path"], f["code"]) for f in response.json()["error"]["fields"]] == [("assigneeId", "not_staff")]
