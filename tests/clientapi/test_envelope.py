"""The response envelope (client API §3) on successes and on every kind of error.

Every error test of this suite checks the whole envelope through `helpers.assert_error`; the 403, 413 and 429
envelopes are asserted where those rules are tested (test_headers.py, test_media.py)."""

from __future__ import annotations

import pytest

from tests.clientapi.helpers import api, assert_error, db_counts

pytestmark = pytest.mark.django_db


def test_success_envelope(web):
    response = web.get("config")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert list(body) == ["data", "notifications", "status", "metadata"]
    assert (body["status"], body["notifications"]) == ("SUCCESS", [])
    assert body["data"]["name"] == "Shop"
    assert body["metadata"]["values"] == {"url": "config"}
    assert body["metadata"]["method"] == "get"
    assert isinstance(body["metadata"]["duration"], float)


def test_post_messages_echoes_the_message_in_metadata(web):
    response = web.post("messages", {"message": "Hello", "referer": "https://shop.example/help"})

    body = response.json()
    assert body["metadata"]["values"] == {"url": "messages", "message": "Hello"}
    assert body["metadata"]["method"] == "post"


def test_metadata_url_is_the_path_after_the_version(web):
    response = web.get("messages/before:2")

    assert response.json()["metadata"]["values"]["url"] == "messages/before:2"


def test_400_envelope(web):
    response = web.post("messages", raw="{not json")

    body = assert_error(response, 400, "validation_error", url="messages")
    assert body["notifications"][1]["message"].startswith("body: invalid JSON")


def test_401_envelope(client, account):
    response = client.get(api("messages"))

    assert_error(response, 401, "api_key_not_valid", url="messages")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(api("nothing/here"), id="unknown-endpoint"),
        pytest.param(api("messages/"), id="trailing-slash"),
        pytest.param(api("messages", version="1.5"), id="legacy-version"),
        pytest.param(api("messages", version="2.0"), id="unknown-version"),
        pytest.param("/clientApi/messages", id="no-version"),
        pytest.param(api("services/event/startDancing"), id="unknown-event"),
    ],
)
def test_404_envelope(client, web, path):
    before = db_counts()

    response = client.post(path, data='{"message": "hi"}', content_type="text/plain", headers=web.headers())

    assert_error(response, 404, "not_found")
    assert db_counts() == before


def test_404_envelope_for_an_unknown_message(web):
    response = web.get("messages/999999")

    assert_error(response, 404, "message_not_found", url="messages/999999")


def test_405_envelope_for_a_wrong_method_on_a_known_path(client, web):
    before = db_counts()

    response = client.delete(api("messages"), headers=web.headers())

    assert_error(response, 405, "method_not_allowed", url="messages")
    assert db_counts() == before


def test_error_notification_comes_first_and_only_errors_are_listed(web):
    response = web.put("messages/status/4", {"messageIds": []})

    body = assert_error(response, 400, "validation_error", url="messages/status/4")
    assert body["notifications"][1:] == [{"type": "error", "message": "messageIds: This list may not be empty."}]
