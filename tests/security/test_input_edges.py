"""Issue #16, finding 4: input that gave a 500 (nothing was written), several as Django's HTML page.

Each case now gets a 4xx in the API's own error body, from one edge check (messenger_project/json_input.py) in each
API's parser and base view: NUL and unpaired surrogates in JSON text and in query and path parameters, nesting,
integers out of range; error bodies that echo input always encode; catch-alls that match every path.
"""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from agents.services import account_create, api_key_create
from conversations.models import Conversation, Message
from devices.models import Customer, Device
from messenger_project.client_api.envelope import json_bytes
from messenger_project.error_pages import server_error
from messenger_project.integration_api.errors import IntegrationJSONRenderer
from messenger_project.json_input import MAX_DEPTH
from messenger_project.numbers import MAX_ID
from tests.clientapi.helpers import ACCOUNT_IDENTIFICATION, App, register
from tests.clientapi.helpers import assert_error as assert_client_error
from tests.clientapi.helpers import db_counts as client_db_counts
from tests.integration.helpers import Api, db_counts
from tests.integration.helpers import assert_error as assert_integration_error

pytestmark = pytest.mark.django_db

BAD_CHARACTERS = [
    pytest.param("\x00", id="nul"),
    pytest.param("\ud800", id="surrogate-d800"),
    pytest.param("\udfff", id="surrogate-dfff"),
    pytest.param("\udc00", id="surrogate-dc00"),
]
WHERE = ["key", "value"]
BEYOND_BIGINT = "99999999999999999999"


def escaped(character: str) -> str:
    """How a path names a key holding `character` (`json_input.printable`)."""
    return f"\\u{ord(character):04x}"


def nested(depth: int, leaf=None) -> str:
    """JSON text of `depth` arrays inside each other (built as text: json.dumps recurses too)."""
    return "[" * depth + json.dumps(leaf) + "]" * depth


@pytest.fixture
def account():
    return account_create(name="Shop", app_id="app_edges", identification=ACCOUNT_IDENTIFICATION)


@pytest.fixture
def api(client, account) -> Api:
    _, plain = api_key_create(account=account, name="backend")
    return Api(client=client, account=account, key=plain)


@pytest.fixture
def app(client, account) -> App:
    return register(client, "edge-device-0001")


@pytest.fixture
def conversation(api: Api) -> Conversation:
    """`c1` with the [S2] user `alice`, custom data {"a": "b"}, and one message from alice."""
    assert api.put(api.v1("users/alice"), {"name": "Alice", "email": ["alice@example.com"]}).status_code == 200
    response = api.put(api.v1("conversations/c1"), {"participants": ["alice"], "custom": {"a": "b"}})
    assert response.status_code == 200, response.content
    items = [{"type": "UserMessage", "sender": "alice", "text": "Hello", "custom": {"a": "b"}}]
    assert api.post(api.v1("conversations/c1/messages"), items).status_code == 200
    return Conversation.objects.get(public_id="c1")


def bad_object(bad: str, where: str) -> dict:
    return {f"a{bad}": "b"} if where == "key" else {"a": f"x{bad}y"}


def bad_path(prefix: str, bad: str, where: str) -> str:
    return f"{prefix}.a{escaped(bad)}" if where == "key" else f"{prefix}.a"


# --- NUL and unpaired surrogates in JSON stored as JSON ------------------------------------------------------


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("bad", BAD_CHARACTERS)
def test_user_additional_information_refuses_nul_and_unpaired_surrogates(app, bad, where):
    device = Device.objects.get(device_id=app.device_id)
    before = (client_db_counts(), device.additional_information)

    response = app.post("devices", {"type": 3, "userAdditionalInformation": bad_object(bad, where)})

    body = assert_client_error(response, 400, "validation_error", url="devices")
    assert body["notifications"][1]["message"].startswith(bad_path("userAdditionalInformation", bad, where) + ": ")
    device.refresh_from_db()
    assert (client_db_counts(), device.additional_information) == before


def stored_custom(conversation: Conversation) -> tuple:
    customer = Customer.objects.get(fk_id="alice")
    conversation.refresh_from_db()
    message = Message.objects.get(conversation=conversation)
    return customer.custom_data, conversation.custom, message.custom


WRITES = {
    "s1-user-customData": ("post", "/api/external/users", "customData", {"firstName": "J", "lastName": "D"}),
    "v1-user-custom": ("put", "v1:users/alice", "custom", {}),
    "v1-new-user-custom": ("put", "v1:users/bob", "custom", {"name": "Bob", "email": None}),
    "v1-conversation-custom": ("put", "v1:conversations/c1", "custom", {}),
    "v2-patch-custom": ("patch", "/api/v2/conversations/c1", "custom", {}),
    "v1-message-batch-custom": ("post", "v1:conversations/c1/messages", "[0].custom", None),
}


@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("bad", BAD_CHARACTERS)
@pytest.mark.parametrize("write", list(WRITES))
def test_json_stored_as_json_refuses_nul_and_unpaired_surrogates(api, conversation, write, bad, where):
    method, path, field, body = WRITES[write]
    path = api.v1(path.removeprefix("v1:")) if path.startswith("v1:") else path
    if body is None:  # a message batch
        payload = [{"type": "UserMessage", "sender": "alice", "text": "Hi", "custom": bad_object(bad, where)}]
    else:
        payload = {**body, field: bad_object(bad, where)}
        if write == "s1-user-customData":
            payload["email"] = "john@example.com"
    before = (db_counts(), stored_custom(conversation))

    response = getattr(api, method)(path, payload)

    assert_integration_error(
        response, 400, "validation_failed", fields=[(bad_path(field, bad, where), "invalid_characters")]
    )
    assert (db_counts(), stored_custom(conversation)) == before


# --- a text field whose error echoes the value --------------------------------------------------------------


def test_unpaired_surrogate_in_a_name_is_a_400_in_the_error_body(api):
    before = db_counts()

    response = api.post("/api/external/users", raw='{"firstName": "\\ud800"}')

    error = assert_integration_error(response, 400, "validation_failed", fields=[("firstName", "invalid_characters")])
    assert error["fields"][0]["message"] == "contains an unpaired surrogate (U+D800)"
    assert db_counts() == before


def test_unpaired_surrogate_in_chat_text_is_a_400_in_the_error_body(api, conversation):
    before = db_counts()

    response = api.post(
        "/api/v2/conversations/c1/chats", raw='{"text": "a\\udc00b", "customer": {"email": "new@example.com"}}'
    )

    assert_integration_error(response, 400, "validation_failed", fields=[("text", "invalid_characters")])
    assert db_counts() == before


def test_unpaired_surrogate_in_a_client_message_is_a_400_in_the_envelope(app):
    before = client_db_counts()

    response = app.post("messages", raw='{"message": "a\\udc00b"}')

    body = assert_client_error(response, 400, "validation_error", url="messages")
    assert body["notifications"][1]["message"] == "message: contains an unpaired surrogate (U+DC00)"
    assert client_db_counts() == before


def test_error_bodies_encode_what_json_cannot_hold():
    """Stored data or an echo with an unpaired surrogate, a NaN, an integer beyond 64 bits: written, not a 500."""
    value = {"name\ud800": ["a\udfffb", float("nan"), 10**30]}

    assert json.loads(IntegrationJSONRenderer().render(value)) == {"name\ufffd": ["a\ufffdb", None, str(10**30)]}
    assert json.loads(json_bytes(value)) == {"name\ufffd": ["a\ufffdb", None, str(10**30)]}


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/api/v2/conversations", "application/json; charset=utf-8", b'"code":"internal_error"'),
        ("/clientApi/v1.9/messages", "application/json", b'"message":"internal_error"'),
        ("/desk/", "text/html", b"Server Error (500)"),
    ],
)
def test_an_error_outside_the_api_views_is_written_in_the_surfaces_body(path, content_type, expected):
    request = RequestFactory().get(path)
    try:
        raise RuntimeError("a middleware failed")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert response["Content-Type"].startswith(content_type)
    assert expected in response.content


# --- nesting ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH, 1_000])
def test_deeply_nested_client_message_is_a_400(app, depth):
    before = client_db_counts()

    response = app.post("messages", raw='{"message": ' + nested(depth, "hi") + "}")

    body = assert_client_error(response, 400, "validation_error", url="messages")
    assert body["notifications"][1]["message"].endswith(f"nests objects and arrays more than {MAX_DEPTH} levels deep")
    assert client_db_counts() == before


def test_deeply_nested_device_registration_is_a_400(app):
    device = Device.objects.get(device_id=app.device_id)
    before = (client_db_counts(), device.additional_information)

    response = app.post("devices", raw=nested(1_000))

    body = assert_client_error(response, 400, "validation_error", url="devices")
    assert body["notifications"][1]["message"] == f"body: nests objects and arrays more than {MAX_DEPTH} levels deep"
    device.refresh_from_db()
    assert (client_db_counts(), device.additional_information) == before


@pytest.mark.parametrize(
    ("depth", "path"), [(100_000, "body"), (MAX_DEPTH - 1, "customData" + "[0]" * (MAX_DEPTH - 2))]
)
def test_deeply_nested_custom_data_is_a_400(api, depth, path):
    before = db_counts()
    body = '{"firstName": "J", "lastName": "D", "email": "j@example.com", "customData": {"a": ' + nested(depth) + "}}"

    response = api.post("/api/external/users", raw=body)

    assert_integration_error(
        response, 400, "validation_failed", fields=[(path.replace("customData", "customData.a", 1), "too_deep")]
    )
    assert db_counts() == before


def test_custom_data_nested_up_to_the_limit_is_accepted(api):
    """The body is level 1, customData 2, its key's value 3: 64 levels in all."""
    body = (
        '{"firstName": "J", "lastName": "D", "email": "j@example.com", "customData": {"a": '
        + nested(MAX_DEPTH - 2)
        + "}}"
    )

    response = api.post("/api/external/users", raw=body)

    assert response.status_code == 201, response.content


# --- numbers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        pytest.param('{"a": 1' + "0" * 19 + "}", "customData.a", id="beyond-bigint"),
        pytest.param('{"a": -1' + "0" * 19 + "}", "customData.a", id="below-bigint"),
        pytest.param('{"a": [1e400]}', "customData.a[0]", id="infinite"),
        pytest.param('{"a": 1' + "0" * 5000 + "}", "customData.a", id="5000-digits"),
    ],
)
def test_numbers_out_of_range_are_a_400(api, raw, path):
    before = db_counts()
    body = '{"firstName": "J", "lastName": "D", "email": "j@example.com", "customData": ' + raw + "}"

    response = api.post("/api/external/users", raw=body)

    assert_integration_error(response, 400, "validation_failed", fields=[(path, "out_of_range")])
    assert db_counts() == before


def test_a_client_cursor_or_id_of_thousands_of_digits_names_no_message(app):
    """int() refuses 4,300 digits and more: such a cursor is beyond any id, as a 20-digit one is."""
    hello = app.send("Hello")
    digits = "9" * 5_000

    latest = app.get(f"messages/before:{digits}")
    one = app.get(f"messages/{digits}")

    assert latest.status_code == 200, latest.content
    assert [m["id"] for m in latest.json()["data"]] == [hello]
    assert_client_error(one, 404, "message_not_found")


def test_nan_is_not_json(api):
    response = api.post("/api/external/users", raw='{"firstName": NaN}')

    assert_integration_error(response, 400, "malformed_json")


def test_a_page_beyond_a_bigint_is_a_400(api):
    response = api.get(f"/api/v2/conversations?page={BEYOND_BIGINT}")

    assert_integration_error(response, 400, "validation_failed", fields=[("query.page", "out_of_range")])


def test_a_page_whose_offset_is_beyond_a_bigint_is_an_empty_page(api, conversation):
    response = api.get(f"/api/v2/conversations?page={MAX_ID}&size=100")

    assert response.status_code == 200, response.content
    assert response.json()["_embedded"]["conversations"] == []
    assert response.json()["page"]["number"] == MAX_ID


@pytest.mark.parametrize("name", ["before", "after"])
def test_message_cursors_beyond_a_bigint_are_a_400(api, conversation, name):
    response = api.get(f"/api/v2/conversations/c1/messages?{name}={BEYOND_BIGINT}")

    assert_integration_error(response, 400, "validation_failed", fields=[(f"query.{name}", "out_of_range")])


# --- query and path parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a%00b", "a%0Ab", "%C2%85"])
def test_control_characters_in_a_query_parameter_are_a_400(api, value):
    response = api.get(f"/api/external/users/search?fkId={value}")

    assert_integration_error(response, 400, "validation_failed", fields=[("query.fkId", "invalid_characters")])


def test_nul_in_a_path_parameter_is_a_400(api, conversation):
    before = db_counts()

    response = api.put(api.v1("conversations/a%00b"), {"subject": "x"})

    assert_integration_error(response, 400, "validation_failed", fields=[("path.conversationId", "invalid_characters")])
    assert db_counts() == before


def test_nul_in_a_client_query_parameter_is_a_400_in_the_envelope(app):
    response = app.get("config?since=a%00b")

    body = assert_client_error(response, 400, "validation_error", url="config")
    assert body["notifications"][1]["message"] == "query.since: contains NUL (U+0000)"


# --- newlines in paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/clientApi/v%0A/messages", "/clientApi/v1.9/messages%0A", "/clientApi/%0A"])
def test_a_newline_in_a_client_path_is_the_envelopes_404(client, app, path):
    response = client.get(path, headers=app.headers())

    assert_client_error(response, 404, "not_found")


@pytest.mark.parametrize("path", ["v1:users/a%0A", "v1:conversations/c%0A/messages", "/api/v2/conversations%0A"])
def test_a_newline_in_an_integration_path_is_the_error_bodys_404(api, path):
    path = api.v1(path.removeprefix("v1:")) if path.startswith("v1:") else path

    response = api.put(path, {"name": "A"})

    assert_integration_error(response, 404, "not_found")
