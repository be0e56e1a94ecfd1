"""Issue #16: no input gives a 5xx. Hypothesis throws arbitrary JSON and strings at every write endpoint of both APIs
(as the whole body, merged into a valid body, as raw bytes, and in path and query parameters) and asserts: never a
5xx, every 4xx in the API's own error body, and nothing written when the answer is a 4xx.

Each example runs inside a transaction that is rolled back, so examples are independent (Hypothesis can shrink a
failure), and with the caches cleared (rate limits and quotas would answer 429 after a few hundred examples).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import caches
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.models import IdempotencyRecord, Webhook
from agents.services import account_create, agent_create, api_key_create
from conversations.models import Conversation, Media, Message, Participant, Receipt, Thread
from devices.models import Customer, Device
from tests.clientapi.helpers import ACCOUNT_IDENTIFICATION

pytestmark = pytest.mark.django_db

EXAMPLES = 40
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DEVICE_ID = "fuzz-device-0001"

# --- what is thrown -----------------------------------------------------------------------------------------------

# Any code point, surrogates included (Hypothesis leaves them out unless asked), and the ones that broke things.
CHARACTERS = st.characters(codec=None, exclude_categories=()) | st.sampled_from(["\x00", "\ud800", "\udfff", "\n"])
TEXT = st.text(CHARACTERS, max_size=12)
NUMBERS = (
    st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**63 - 1, 2**63, -(2**63) - 1, 10**30])
    | st.floats()  # NaN and infinities included: json.dumps writes them as NaN / Infinity
)
LEAVES = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
DEEP = st.integers(min_value=60, max_value=1_500).map(lambda depth: "[" * depth + "]" * depth)


def encoded(value: Any) -> bytes:
    """JSON text as a client would send it: json.dumps escapes NUL and surrogates (`\\ud800`), writes NaN."""
    return json.dumps(value).encode()


def bodies(valid: Any, keys: list[str]) -> st.SearchStrategy[bytes]:
    """The whole body arbitrary, a valid body with some fields replaced or added, raw text, or deep nesting."""
    if isinstance(valid, list):
        merged = st.dictionaries(st.sampled_from(keys) | TEXT, JSON, max_size=3).map(
            lambda changes: encoded([{**valid[0], **changes}])
        )
    else:
        merged = st.dictionaries(st.sampled_from(keys) | TEXT, JSON, max_size=3).map(
            lambda changes: encoded({**valid, **changes})
        )
    raw_text = st.text(CHARACTERS, max_size=40).map(lambda text: text.encode("utf-8", "surrogatepass"))
    return st.one_of(JSON.map(encoded), merged, merged, raw_text, st.binary(max_size=40), DEEP.map(str.encode))


# --- the world the requests hit -------------------------------------------------------------------------------------


@dataclass
class World:
    client: Client
    key: str
    app_id: str
    agent_id: int
    webhook_id: int
    message_id: int


@pytest.fixture
def world(client, settings) -> World:
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True  # no DNS look-ups for the URLs thrown at POST webhooks
    account = account_create(name="Fuzz", app_id="app_fuzz", identification=ACCOUNT_IDENTIFICATION)
    _, key = api_key_create(account=account, name="backend")
    agent = agent_create(username="fuzz-agent", display_name="Agent", accounts={account: "agent"})
    api = {"Authorization": f"Bearer {key}"}
    for user in ("alice", "bob"):
        body = {"name": user.title(), "email": [f"{user}@example.com"]}
        assert client.put(f"/api/v1/app_fuzz/users/{user}", body, "application/json", headers=api).status_code == 200
    for conversation in ("c1", "c2"):
        body = {"participants": ["alice", "bob"], "custom": {"a": "b"}}
        response = client.put(f"/api/v1/app_fuzz/conversations/{conversation}", body, "application/json", headers=api)
        assert response.status_code == 200, response.content
    say = [{"type": "UserMessage", "sender": "alice", "text": "Hello"}]
    said = client.post("/api/v1/app_fuzz/conversations/c1/messages", say, "application/json", headers=api)
    assert said.status_code == 200, said.content
    hook = {"url": "http://127.0.0.1:9/hook", "events": ["message.created"]}
    response = client.post("/api/v2/webhooks", hook, "application/json", headers=api)
    assert response.status_code == 201, response.content
    device = {"x-iris-identification": f"{ACCOUNT_IDENTIFICATION}:{DEVICE_ID}"}
    assert client.post("/clientApi/v1.9/devices", "{}", "text/plain", headers=device).status_code == 200
    assert client.post("/clientApi/v1.9/messages", '{"message": "Hi"}', "text/plain", headers=device).status_code == 200
    return World(client, key, "app_fuzz", agent.pk, response.json()["id"], said.json()[0]["id"])


def rows() -> dict[str, int]:
    """Every table a write endpoint of either API may add to."""
    models = (Customer, Device, Conversation, Participant, Thread, Message, Receipt, Media, Webhook, IdempotencyRecord)
    return {model.__name__: model.objects.count() for model in models}


def in_rolled_back_transaction(check: Callable[[], None]) -> None:
    caches["default"].clear()
    caches["local"].clear()
    with transaction.atomic():
        check()
        transaction.set_rollback(True)


def assert_client_answer(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json", response.content
        envelope = json.loads(response.content)
        assert (envelope["status"], envelope["data"]) == ("ERROR", None), envelope
        assert envelope["notifications"] and {n["type"] for n in envelope["notifications"]} == {"error"}, envelope


def assert_integration_answer(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json; charset=utf-8", response.content
        error = json.loads(response.content)["error"]
        assert error["status"] == response.status_code, error
        assert isinstance(error["code"], str) and error["logRef"] == response["X-Request-Id"], error


def send(world: World, api: str, method: str, path: str, body: bytes, content_type: str | None = None):
    if api == "client":
        headers = {"x-iris-identification": f"{ACCOUNT_IDENTIFICATION}:{DEVICE_ID}"}
        content_type = content_type or "text/plain;charset=UTF-8"
    else:
        headers = {"Authorization": f"Bearer {world.key}"}
        content_type = content_type or "application/json"
    if method == "get":
        return world.client.get(path, headers=headers)
    return getattr(world.client, method)(path, data=body, content_type=content_type, headers=headers)


def check_write(world: World, api: str, method: str, path: str, body: bytes) -> None:
    def check():
        before = rows()
        response = send(world, api, method, path, body)
        (assert_client_answer if api == "client" else assert_integration_answer)(response)
        if 400 <= response.status_code < 500:
            assert rows() == before, (response.status_code, response.content)

    in_rolled_back_transaction(check)


# --- the write endpoints ------------------------------------------------------------------------------------------

# (api, method, path, a valid body): {app}, {agent}, {message} and {webhook} are filled in from the world.
ENDPOINTS = {
    "client POST devices": (
        "client",
        "post",
        "/clientApi/v1.9/devices",
        {"pushToken": "t", "pushType": 6, "type": 1, "version": "3.13.0", "userAdditionalInformation": {"a": "b"}},
    ),
    "client POST messages": ("client", "post", "/clientApi/v1.9/messages", {"message": "Hello", "typeId": 1}),
    "client PUT messages/status": ("client", "put", "/clientApi/v1.9/messages/status/4", {"messageIds": ["{message}"]}),
    "client POST startTyping": ("client", "post", "/clientApi/v1.9/services/event/startTyping", {}),
    "client POST media (JSON)": ("client", "post", "/clientApi/v1.9/media", {"media": "x"}),  # multipart only
    "S1 POST users": (
        "integration",
        "post",
        "/api/external/users",
        {"firstName": "J", "lastName": "D", "email": "j@example.com", "customData": {"a": 1}, "fkId": "f1"},
    ),
    "S2 PUT user": (
        "integration",
        "put",
        "/api/v1/{app}/users/carol",
        {"name": "Carol", "email": ["carol@example.com"], "phone": None, "custom": {"a": "b"}, "locale": "en"},
    ),
    "S2 PUT conversation": (
        "integration",
        "put",
        "/api/v1/{app}/conversations/c3",
        {"participants": ["alice"], "subject": "S", "custom": {"a": "b"}, "welcomeMessages": ["Hi"]},
    ),
    "S2 POST messages": (
        "integration",
        "post",
        "/api/v1/{app}/conversations/c1/messages",
        [
            {
                "type": "UserMessage",
                "sender": "alice",
                "text": "Hi",
                "custom": {"a": "b"},
                "referencedMessageId": "{message}",
            }
        ],
    ),
    "S3 POST chats": (
        "integration",
        "post",
        "/api/v2/conversations/c1/chats",
        {"customer": {"email": "new@example.com", "firstName": "N"}, "text": "Hi", "imported": False},
    ),
    "X PATCH conversation": (
        "integration",
        "patch",
        "/api/v2/conversations/c1",
        {"subject": "S", "custom": {"a": "b"}, "status": "pending", "assigneeId": "{agent}"},
    ),
    "X POST reply": ("integration", "post", "/api/v2/conversations/c1/messages", {"text": "Hi", "senderId": "{agent}"}),
    "X POST merge": ("integration", "post", "/api/v2/conversations/c2/merge", {"into": "c1"}),
    "X POST typing": (
        "integration",
        "post",
        "/api/v2/conversations/c1/typing",
        {"state": "start", "senderId": "{agent}"},
    ),
    "X POST webhooks": (
        "integration",
        "post",
        "/api/v2/webhooks",
        {"url": "http://127.0.0.1:9/h", "events": ["message.created"], "description": "d"},
    ),
    "X POST webhook test": ("integration", "post", "/api/v2/webhooks/{webhook}/test", {}),
}


def filled(value: Any, world: World) -> Any:
    if value == "{agent}":
        return world.agent_id
    if value == "{message}":
        return world.message_id
    if isinstance(value, dict):
        return {k: filled(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v, world) for v in value]
    return value


def endpoint(name: str, world: World) -> tuple[str, str, str, Any]:
    api, method, path, valid = ENDPOINTS[name]
    path = path.format(app=world.app_id, webhook=world.webhook_id)
    return api, method, path, filled(valid, world)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_no_body_gives_a_5xx_or_writes_when_refused(world, name):
    api, method, path, valid = endpoint(name, world)
    keys = list((valid[0] if isinstance(valid, list) else valid).keys()) or ["x"]

    if api != "client" or not path.endswith("/media"):
        assert send(world, api, method, path, encoded(valid)).status_code < 300  # the valid body is valid

    @FUZZ
    @given(body=bodies(valid, keys))
    def property_holds(body: bytes) -> None:
        check_write(world, api, method, path, body)

    property_holds()


# --- path and query parameters ------------------------------------------------------------------------------------

PARAMETER = st.text(CHARACTERS, min_size=1, max_size=20) | st.sampled_from(
    ["99999999999999999999", "9223372036854775807", "-1", "0", "a%00b"]
)

PARAMETER_ENDPOINTS = {
    "S1 search": ("integration", "get", "/api/external/users/search?fkId={}"),
    "S1 user": ("integration", "delete", "/api/external/users/{}"),
    "S2 PUT user": ("integration", "put", "/api/v1/{app}/users/{}"),
    "S2 PUT conversation": ("integration", "put", "/api/v1/{app}/conversations/{}"),
    "S2 messages": ("integration", "get", "/api/v1/{app}/conversations/c1/messages?limit=5&startingAfter={}"),
    "X list page": ("integration", "get", "/api/v2/conversations?page={}"),
    "X list customer": ("integration", "get", "/api/v2/conversations?customerId={}&modifiedSince={}"),
    "X PATCH conversation": ("integration", "patch", "/api/v2/conversations/{}"),
    "X messages cursor": ("integration", "get", "/api/v2/conversations/c1/messages?after={}"),
    "X webhook": ("integration", "delete", "/api/v2/webhooks/{}"),
    "client message": ("client", "get", "/clientApi/v1.9/messages/{}"),
    "client cursor": ("client", "get", "/clientApi/v1.9/messages/before:{}"),
    "client status": ("client", "put", "/clientApi/v1.9/messages/status/{}"),
    "client typing": ("client", "post", "/clientApi/v1.9/services/event/{}"),
}


@pytest.mark.parametrize("name", list(PARAMETER_ENDPOINTS))
def test_no_path_or_query_parameter_gives_a_5xx(world, name):
    api, method, template = PARAMETER_ENDPOINTS[name]
    template = template.replace("{app}", world.app_id)
    body = b'{"subject": "S"}' if method in {"put", "patch"} else b"{}"

    @FUZZ
    @given(value=PARAMETER)
    def property_holds(value: str) -> None:
        quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
        check_write(world, api, method, template.replace("{}", quoted), body)

    property_holds()
