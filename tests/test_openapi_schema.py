"""The OpenAPI schema of both APIs (drf-spectacular) and the documentation pages served from our own static files."""

from __future__ import annotations

import re

import jsonschema
import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

CLIENT = "/clientApi/v{api_version}"

# (path, method, takes a request body)
EXPECTED_OPERATIONS = [
    (f"{CLIENT}/devices", "post", True),
    (f"{CLIENT}/config", "get", False),
    (f"{CLIENT}/services/event/{{event}}", "post", False),
    (f"{CLIENT}/messages", "get", False),
    (f"{CLIENT}/messages", "post", True),
    (f"{CLIENT}/messages/unseen/count", "get", False),
    (f"{CLIENT}/messages/status/{{status}}", "put", True),
    (f"{CLIENT}/messages/before:{{cursor}}", "get", False),
    (f"{CLIENT}/messages/after:{{cursor}}", "get", False),
    (f"{CLIENT}/messages/{{message_id}}", "get", False),
    (f"{CLIENT}/media", "post", True),
    (f"{CLIENT}/media/{{year}}/{{month}}/{{day}}/{{filename}}", "get", False),
    (f"{CLIENT}/media/{{media_id}}", "get", False),
    (f"{CLIENT}/satisfaction/{{rating_id}}", "get", False),
    (f"{CLIENT}/satisfaction/{{rating_id}}", "post", True),
    ("/api/external/users", "post", True),
    ("/api/external/users/search", "get", False),
    ("/api/external/users/{user_id}", "get", False),
    ("/api/external/users/{user_id}", "delete", False),
    ("/api/v1/{app_id}/users/{user_id}", "put", True),
    ("/api/v1/{app_id}/users/{user_id}", "get", False),
    ("/api/v1/{app_id}/users/{user_id}/conversations", "get", False),
    ("/api/v1/{app_id}/conversations", "get", False),
    ("/api/v1/{app_id}/conversations/{conversation_id}/participants/{user_id}", "put", True),
    ("/api/v1/{app_id}/conversations/{conversation_id}/participants/{user_id}", "delete", False),
    ("/api/v1/{app_id}/conversations/{conversation_id}", "put", True),
    ("/api/v1/{app_id}/conversations/{conversation_id}", "get", False),
    ("/api/v1/{app_id}/conversations/{conversation_id}/messages", "post", True),
    ("/api/v1/{app_id}/conversations/{conversation_id}/messages", "get", False),
    ("/api/v2/oauth2/token", "post", True),
    ("/api/v2/conversations", "get", False),
    ("/api/v2/conversations", "post", True),
    ("/api/v2/conversations/{conversation_id}", "delete", False),
    ("/api/v2/mailboxes", "get", False),
    ("/api/v2/mailboxes/{mailbox_id}", "get", False),
    ("/api/v2/customers", "get", False),
    ("/api/v2/customers", "post", True),
    ("/api/v2/customers/{customer_id}", "get", False),
    ("/api/v2/customers/{customer_id}", "put", True),
    ("/api/v2/customers/{customer_id}", "patch", True),
    ("/api/v2/customers/{customer_id}/export", "get", False),
    ("/api/v2/customers/{customer_id}/erase", "post", False),
    ("/api/v2/conversations/{conversation_id}", "get", False),
    ("/api/v2/conversations/{conversation_id}", "patch", True),
    ("/api/v2/conversations/{conversation_id}/chats", "post", True),
    ("/api/v2/conversations/{conversation_id}/threads", "get", False),
    ("/api/v2/conversations/{conversation_id}/messages", "get", False),
    ("/api/v2/conversations/{conversation_id}/messages", "post", True),
    ("/api/v2/conversations/{conversation_id}/merge", "post", True),
    ("/api/v2/conversations/{conversation_id}/snooze", "put", True),
    ("/api/v2/conversations/{conversation_id}/snooze", "delete", False),
    ("/api/v2/conversations/{conversation_id}/tags", "put", True),
    ("/api/v2/conversations/{conversation_id}/typing", "post", True),
    ("/api/v2/conversations/{conversation_id}/handover", "post", True),
    ("/api/v2/teams", "get", False),
    ("/api/v2/reports/conversations", "get", False),
    ("/api/v2/attachments/{attachment_id}", "get", False),
    ("/api/v2/webhooks", "get", False),
    ("/api/v2/webhooks", "post", True),
    ("/api/v2/webhooks/{webhook_id}", "delete", False),
    ("/api/v2/webhooks/{webhook_id}/test", "post", False),
    # Help Scout's threads, replies, notes and attachment data (#21)
    ("/api/v2/conversations/{conversation_id}/sessions", "get", False),
    ("/api/v2/conversations/{conversation_id}/reply", "post", True),
    ("/api/v2/conversations/{conversation_id}/notes", "post", True),
    ("/api/v2/conversations/{conversation_id}/customer", "post", True),
    ("/api/v2/conversations/{conversation_id}/threads/{thread_id}", "patch", True),
    ("/api/v2/conversations/{conversation_id}/threads/{thread_id}/attachments", "post", True),
    ("/api/v2/conversations/{conversation_id}/attachments/{attachment_id}/data", "get", False),
]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# The OAuth2 token endpoint takes the client's credentials, not a key, and answers RFC 6749's error body.
TOKEN_ENDPOINT = ("/api/v2/oauth2/token", "post", True)
KEYED_OPERATIONS = [o for o in EXPECTED_OPERATIONS if o[0].startswith("/api/") and o != TOKEN_ENDPOINT]


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _has_examples(operation: dict) -> bool:
    contents = [*operation.get("requestBody", {}).get("content", {}).values()]
    contents += [c for r in operation["responses"].values() for c in r.get("content", {}).values()]
    return any(c.get("examples") for c in contents)


def test_spectacular_validates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))  # raises on warnings/errors
    assert not GENERATOR_STATS
    assert yaml.safe_load(target.read_text())["openapi"].startswith("3.")


def test_every_endpoint_is_documented_exactly(schema):
    documented = {(path, method) for path, item in schema["paths"].items() for method in item if method in HTTP_METHODS}
    assert documented == {(path, method) for path, method, _ in EXPECTED_OPERATIONS}


@pytest.mark.parametrize(("path", "method", "has_body"), EXPECTED_OPERATIONS)
def test_operation_is_complete(schema, path, method, has_body):
    operation = schema["paths"][path][method]
    assert operation["operationId"] and operation["summary"] and operation["tags"]
    if has_body:
        content = operation["requestBody"]["content"]
        assert content and all(media["schema"] for media in content.values())
    else:
        assert "requestBody" not in operation
    successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    assert successes
    # Content with a schema, or an explicitly empty body (a 204, or the 201 of /chats).
    assert all(r.get("content") or r["description"] for r in successes.values())
    assert any(all(media.get("schema") for media in r.get("content", {}).values()) for r in successes.values()), (
        successes
    )
    assert any(code.startswith(("4", "5")) for code in operation["responses"])
    assert _has_examples(operation)
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            assert parameter["required"] and parameter["schema"]["type"] == "string"


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for item in schema["paths"].values() for m, op in item.items() if m in HTTP_METHODS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("path", "method", "has_body"), [o for o in EXPECTED_OPERATIONS if o[0].startswith(CLIENT)])
def test_client_operations_document_version_and_headers(schema, path, method, has_body):
    operation = schema["paths"][path][method]
    parameters = {(p["name"], p["in"]): p for p in operation["parameters"]}
    version = parameters["api_version", "path"]["schema"]["enum"]
    assert set(version) <= {"1.6", "1.7", "1.8", "1.9"} and "1.9" in version
    assert parameters["x-iris-identification", "header"]["required"] is True
    assert parameters["Authorization", "header"].get("required", False) is False
    error = operation["responses"]["401"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/ClientErrorEnvelope")


@pytest.mark.parametrize(("path", "method", "has_body"), KEYED_OPERATIONS)
def test_integration_operations_document_security_and_errors(schema, path, method, has_body):
    operation = schema["paths"][path][method]
    assert operation["security"] == [{"IntegrationBearer": []}, {"AgentSecretKey": []}]
    error = operation["responses"]["401"]["content"]["application/json"]
    assert error["schema"]["$ref"].endswith("/IntegrationError")


def test_the_token_endpoint_documents_its_form_and_rfc6749_errors(schema):
    operation = schema["paths"]["/api/v2/oauth2/token"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert operation["tags"] == ["Integration API: authentication"]
    assert "security" not in operation or operation["security"] in ([], [{}])
    token = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert set(schema["components"]["schemas"][token.rpartition("/")[2]]["required"]) == {
        "token_type",
        "access_token",
        "expires_in",
    }
    for status in ("400", "401", "403", "413", "429"):
        error = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
        assert error.endswith("/OAuthError"), status


def test_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["IntegrationBearer"] == {**schemes["IntegrationBearer"], "type": "http", "scheme": "bearer"}
    assert schemes["AgentSecretKey"] == {
        **schemes["AgentSecretKey"],
        "type": "apiKey",
        "in": "header",
        "name": "Agent-Secret-Key",
    }
    assert schemes["ClientToken"]["name"] == "Authorization"


def test_documentation_leaves_the_catch_all_views_out(schema):
    assert not any("{path}" in p or p.endswith(".*$") for p in schema["paths"])


def test_swagger_ui_and_redoc_load_from_our_static_files(client):
    swagger = client.get("/api/docs/")
    assert swagger.status_code == 200
    assets = re.findall(r'(?:src|href)="(/static/drf_spectacular_sidecar/[^"]+)"', swagger.content.decode())
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()

    redoc = client.get("/api/redoc/")
    assert redoc.status_code == 200
    [bundle] = re.findall(r'src="(/static/drf_spectacular_sidecar/redoc/[^"]+)"', redoc.content.decode())
    response = client.get(bundle)
    assert response.status_code == 200
    response.close()

    assert client.get("/api/schema/").status_code == 200


def test_the_documentation_pages_load_nothing_from_other_hosts(client):
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).content.decode()

        assert re.findall(r'(?:src|href)="(https?:)?//', html) == [], page


@pytest.mark.parametrize(("path", "method", "has_body"), KEYED_OPERATIONS)
def test_integration_operations_document_the_edge_refusals(schema, path, method, has_body):
    """Every request may be plain HTTP from elsewhere (403 https_required) or carry a control character in a path
    or query parameter (400); such parameters are documented with a pattern, a format or an enum."""
    operation = schema["paths"][path][method]
    examples = {
        status: set(operation["responses"][status]["content"]["application/json"]["examples"])
        for status in ("400", "403")
    }
    parameters = [p for p in operation.get("parameters", []) if p["in"] in ("path", "query")]

    assert "BadParameter" in examples["400"] and "HttpsRequired" in examples["403"]
    for parameter in parameters:
        schemas = parameter["schema"].get("anyOf", [parameter["schema"]])
        typed = [s for s in schemas if s.get("type") != "string" or s.get("maxLength") != 0]
        assert all({"pattern", "format", "enum"} & s.keys() or s["type"] != "string" for s in typed), parameter


def test_integration_request_bodies_refuse_unknown_keys(schema):
    strict = {n for n, s in schema["components"]["schemas"].items() if s.get("additionalProperties") is False}

    assert strict == {
        "AttachmentRequest",
        "ChatCustomerRequest",
        "ChatThreadRequest",
        "ConversationSnoozeRequest",
        "ConversationCreateRequest",
        "ConversationTagsRequest",
        "ConversationUpsertRequest",
        "CustomerPatchOperationRequest",
        "CustomerWriteRequest",
        "EmailInputRequest",
        "HelpScoutCustomerRequest",
        "HelpScoutThreadRequest",
        "PatchOperationRequest",
        "PatchedCustomerPatchOperationRequest",
        "PatchedPatchOperationRequest",
        "PhoneInputRequest",
        "HandoverRequest",
        "MergeRequest",
        "NewWebhookRequest",
        "ParticipationRequest",
        "PatchedConversationUpdateRequest",
        "ReplyRequest",
        "TypingRequest",
        "UserCreateRequest",
        "UserUpsertRequest",
        "V1MessageRequest",
        # Help Scout's thread writes (#21)
        "EntryCustomerRequest",
        "HelpScoutCustomerThreadRequest",
        "HelpScoutNoteRequest",
        "HelpScoutReplyRequest",
        "TextPatchRequest",
    }  # the integration API's StrictSerializers; the client API ignores unknown keys


def test_every_integer_is_64_bit(schema):
    integers, stack = [], [schema["paths"], schema["components"]["schemas"]]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            integers += [node] if node.get("type") == "integer" else []
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)

    assert integers and all(i["format"] in ("int32", "int64") for i in integers)


CLIENT_OPERATIONS = [(path, method) for path, method, _ in EXPECTED_OPERATIONS if path.startswith(CLIENT)]
INTERNAL_NOTE = re.compile(r"§|\b[Ss]eed \d|\[S\d\]|\w\.py\b|\btests/")


def _reachable(schema: dict, node, seen: set[str]):
    """The node, and every component it refers to (once)."""
    yield node
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        if ref and name not in seen:
            seen.add(name)
            yield from _reachable(schema, schema["components"]["schemas"][name], seen)
        for value in node.values():
            yield from _reachable(schema, value, seen)
    elif isinstance(node, list):
        for value in node:
            yield from _reachable(schema, value, seen)


@pytest.mark.parametrize(("path", "method"), CLIENT_OPERATIONS)
def test_client_operations_answer_in_the_envelope(schema, path, method):
    """Every JSON answer of the client API is the envelope: a success wraps the operation's `data`, an error is
    the error envelope; both with their examples."""
    responses = schema["paths"][path][method]["responses"]
    url = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path.removeprefix(f"{CLIENT}/")))
    json_answers = {
        c: r["content"]["application/json"] for c, r in responses.items() if "application/json" in r["content"]
    }

    assert {"400", "401", "403", "404", "429"} <= set(responses)
    for code, content in json_answers.items():
        body = content["schema"]
        examples = [e["value"] for e in content["examples"].values()]
        assert examples
        if code.startswith("2"):
            assert {"data", "notifications", "status", "metadata"} <= set(body["properties"]) <= set(body["required"])
            assert body["properties"]["status"]["enum"] == ["SUCCESS"]
            assert body["properties"]["metadata"]["$ref"].endswith("/ClientMetadata")
            assert body["properties"]["notifications"]["items"]["$ref"].endswith("/ClientNotification")
            assert all(e["status"] == "SUCCESS" and set(e) == set(body["properties"]) for e in examples)
        else:
            assert body["$ref"].endswith("/ClientErrorEnvelope")
            assert all(e["status"] == "ERROR" and e["data"] is None and e["notifications"] for e in examples)
        assert all(e["metadata"]["method"] == method for e in examples)
        assert all(re.fullmatch(url, e["metadata"]["values"]["url"]) for e in examples), examples


def test_the_client_envelope_is_described_once(schema):
    envelopes = {name for name in schema["components"]["schemas"] if name.startswith("Client") and "Envelope" in name}

    assert envelopes == {"ClientErrorEnvelope", "ClientErrorEnvelopeStatusEnum"}


@pytest.mark.parametrize(("path", "method"), CLIENT_OPERATIONS)
def test_client_operations_carry_no_internal_notes(schema, path, method):
    texts = [
        value
        for node in _reachable(schema, schema["paths"][path][method], set())
        if isinstance(node, dict)
        for key, value in node.items()
        if key in ("description", "summary") and isinstance(value, str)
    ]

    assert texts
    assert [t for t in texts if INTERNAL_NOTE.search(t)] == []


def _json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's `null` type, everywhere in the node."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


@pytest.mark.parametrize(("path", "method"), CLIENT_OPERATIONS)
def test_client_examples_are_valid_answers_and_bodies(schema, path, method):
    """The documented examples are written by hand: each must be what its schema allows."""
    operation = schema["paths"][path][method]
    contents = [*operation.get("requestBody", {}).get("content", {}).values()]
    contents += [c for r in operation["responses"].values() for c in r.get("content", {}).values()]
    components = {"schemas": _json_schema(schema["components"]["schemas"])}

    checked = 0
    for content in contents:
        validator = jsonschema.Draft7Validator({**_json_schema(content["schema"]), "components": components})
        for name, example in content.get("examples", {}).items():
            errors = [e.message for e in validator.iter_errors(example["value"])]
            assert errors == [], (name, errors)
            checked += 1

    assert checked
