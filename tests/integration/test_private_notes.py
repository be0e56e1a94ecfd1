"""Private notes (#19) in the integration API: the v2 listing shows them with `private: true` (the agents' own
backend may see them), the TalkJS-style v1 listing leaves them out, and webhooks carry the flag."""

from __future__ import annotations

import pytest
from django.db import transaction

from conversations.services import note_add
from tests.delivery.helpers import json_of, requests_to

pytestmark = pytest.mark.django_db


def test_v2_listing_shows_a_note_as_private(api, make_conversation, say, agent):
    conversation = make_conversation("order_1")
    [said] = say("order_1", "alice", "Where is it?")
    note = note_add(conversation=conversation, agent=agent, text="Lost by the carrier")

    messages = api.get("/api/v2/conversations/order_1/messages").json()["_embedded"]["messages"]

    by_id = {m["id"]: m for m in messages}
    assert by_id[note.pk]["private"] is True
    assert by_id[note.pk]["sender"] == {"userId": str(agent.pk), "kind": "agent"}
    assert "private" not in by_id[said]


def test_v1_listing_leaves_notes_out(api, make_conversation, say, agent):
    conversation = make_conversation("order_2")
    [said] = say("order_2", "alice", "Hi")
    note_add(conversation=conversation, agent=agent, text="Internal only")

    data = api.get(api.v1("conversations/order_2/messages")).json()["data"]
    record = api.get(api.v1("conversations/order_2")).json()

    assert [m["id"] for m in data] == [str(said)]
    assert record["lastMessage"]["id"] == str(said)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("private_targets")
def test_the_webhook_carries_a_note_with_private_true(api, make_conversation, agent, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    response = api.post(
        "/api/v2/webhooks",
        {"url": httpserver.url_for("/hook"), "events": ["message.created"], "senderKinds": ["agent"]},
    )
    assert response.status_code == 201, response.content
    conversation = make_conversation("order_3")

    with transaction.atomic():
        note_add(conversation=conversation, agent=agent, text="Call them back at 5")

    [event] = [json_of(r) for r in requests_to(httpserver, "/hook")]
    assert event["type"] == "message.created"
    assert event["data"]["message"]["private"] is True
    assert event["data"]["message"]["text"] == "Call them back at 5"
