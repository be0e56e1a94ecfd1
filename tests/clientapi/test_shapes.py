"""Each documented shape of the client API is the one the server answers with: the serializers that document
config, the message object and the page are compared with real answers, key for key (the schema lets unknown keys
through, so the schema-conformance test alone would not see an undocumented key)."""

from __future__ import annotations

import pytest

from conversations.client_api.serializers import (
    ClientAgentSerializer,
    ClientButtonSerializer,
    ClientCarouselItemSerializer,
    ClientConfigSerializer,
    ClientMediaObjectSerializer,
    ClientMessageSerializer,
    ClientTimelineExtraSerializer,
)
from tests.clientapi.helpers import agent_reply, png_bytes, register, upload_file

pytestmark = pytest.mark.django_db

ENVELOPE = {"data", "notifications", "status", "metadata"}


def _fields(serializer, *, without=()) -> set[str]:
    return set(serializer().fields) - set(without)


def test_config_answer_is_its_serializer(web):
    data = web.get("config").json()["data"]

    assert set(data) == _fields(ClientConfigSerializer)
    assert data["authorizationRequired"] in ("0", "1")
    assert isinstance(data["allowImage"], bool) and isinstance(data["font"], int)


@pytest.mark.parametrize(("version", "without"), [("1.9", ()), ("1.8", ("status",)), ("1.7", ("status",))])
def test_message_object_is_its_serializer(client, account, agent, media_root, version, without):
    web = register(client, "web-device-0001", body={"type": 3}, version=version)
    media_id = web.upload("media", media=upload_file(png_bytes())).json()["data"]["media"]
    web.post("messages", {"media": {"id": media_id}})
    agent_reply(
        web,
        agent,
        "Pick one",
        buttons=[{"title": "Call us", "payload": "+31201234567", "type": "phoneNumber"}],
        carousel=[{"title": "Card", "message": "One", "buttons": [{"payload": "Yes", "type": "reply"}]}],
    )

    page = web.get("messages").json()
    reply, upload = page["data"]

    assert set(reply) == set(upload) == _fields(ClientMessageSerializer, without=without)
    assert set(reply["agent"]) == _fields(ClientAgentSerializer)
    assert {tuple(sorted(b)) for b in reply["buttons"]} == {tuple(sorted(_fields(ClientButtonSerializer)))}
    assert set(reply["carousel"][0]) == _fields(ClientCarouselItemSerializer)
    media_without = ("filename",) if version < "1.8" else ()
    assert set(upload["media"]) == _fields(ClientMediaObjectSerializer, without=media_without)
    assert set(page) == ENVELOPE | _fields(ClientTimelineExtraSerializer)
    assert web.get(f"messages/{reply['id']}").json()["data"] == reply


def test_device_registration_answers_an_empty_object(client, account):
    response = register(client, "web-device-0001").register()

    body = response.json()
    assert set(body) == ENVELOPE
    assert body["data"] == {}
    assert body["notifications"] == [{"type": "success", "message": "device_successfully_subscribed"}]
