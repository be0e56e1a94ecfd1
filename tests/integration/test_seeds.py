"""Each seed's own example requests, replayed as the seed shows them, with the results the seed documents."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Message, Thread
from conversations.timeline import timeline_page
from devices.models import Customer
from tests.integration.helpers import ALICE, FILE_TXT, SEBASTIAN, db_counts, renumber

pytestmark = pytest.mark.django_db


def test_seed_001_conversation_users(api, make_conversation):
    """raia "AI Agent API": create by email or phone, search by email / phoneNumber / fkId, get, delete.
    The seed's key header is `Agent-Secret-Key`."""
    raia = api.using(header="agent")

    by_email = raia.post(
        "/api/external/users",
        {"firstName": "John", "lastName": "Doe", "email": "john@example.com", "fkId": "123456", "source": "webchat"},
    )
    by_phone = raia.post("/api/external/users", {"firstName": "Jane", "lastName": "Roe", "phoneNumber": "+1234567890"})
    make_conversation("5f7b1b3b-3b3b-4b3b-3b3b-3b3b3b3b3b3b", participants=["123456"])
    searches = [
        raia.get("/api/external/users/search", {"email": "john@example.com"}),
        raia.get("/api/external/users/search", {"fkId": "123456"}),
        raia.get("/api/external/users/search?phoneNumber=%2B1234567890"),
    ]
    john_id = by_email.json()["id"]
    got = raia.get(f"/api/external/users/{john_id}")
    deleted = raia.delete(f"/api/external/users/{john_id}")

    assert (by_email.status_code, by_phone.status_code) == (201, 201)
    assert [s.status_code for s in searches] == [200, 200, 200]
    assert [s.json()["conversationIds"] for s in searches] == [
        ["5f7b1b3b-3b3b-4b3b-3b3b-3b3b3b3b3b3b"],
        ["5f7b1b3b-3b3b-4b3b-3b3b-3b3b3b3b3b3b"],
        [],
    ]
    assert searches[2].json()["id"] == by_phone.json()["id"]
    assert got.status_code == 200
    assert {k: got.json()[k] for k in ("id", "firstName", "lastName", "source", "fkId", "email", "metadata")} == {
        "id": john_id,
        "firstName": "John",
        "lastName": "Doe",
        "source": "webchat",
        "fkId": "123456",
        "email": "john@example.com",
        "metadata": {"customData": {}},
    }
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert list(Customer.objects.values_list("phone", flat=True)) == ["+1234567890"]


def test_seed_002_starting_a_conversation(api):
    """TalkJS "Starting a conversation": PUT two users, PUT order_391_fc, POST the messages array."""
    users = [api.put(api.v1("users/12081"), ALICE), api.put(api.v1("users/8029"), SEBASTIAN)]
    conversation_body = {
        "participants": ["12081", "8029"],
        "subject": "What a lovely day!",
        "custom": {"category": "order_inquiry"},
    }
    conversation = api.put(api.v1("conversations/order_391_fc"), conversation_body)
    hidden = api.get("/api/v2/conversations/order_391_fc").json()["visible"]
    counts_before_repeat = db_counts()
    repeated = [
        api.put(api.v1("users/12081"), ALICE),
        api.put(api.v1("conversations/order_391_fc"), conversation_body),
    ]
    counts_after_repeat = db_counts()

    messages = api.post(
        api.v1("conversations/order_391_fc/messages"),
        [{"text": "Hello Alice!", "sender": "8029", "type": "UserMessage"}],
    )

    assert [(r.status_code, r.json()) for r in [*users, conversation, *repeated]] == [(200, {})] * 5
    assert hidden is False
    assert counts_after_repeat == counts_before_repeat
    assert messages.status_code == 200, messages.content
    [item] = messages.json()
    shown = api.get(api.v1("conversations/order_391_fc")).json()
    assert (shown["subject"], shown["custom"], shown["lastMessage"]["id"]) == (
        "What a lovely day!",
        {"category": "order_inquiry"},
        item["id"],
    )
    assert (shown["lastMessage"]["senderId"], shown["lastMessage"]["text"]) == ("8029", "Hello Alice!")
    assert api.get("/api/v2/conversations/order_391_fc").json()["visible"] is True
    alice = Customer.objects.get(fk_id="12081")
    assert timeline_page(customer=alice).message_ids == [int(item["id"])]


def test_seed_003_create_chat_thread(api, create_user):
    """Help Scout "Create Chat Thread": POST /v2/conversations/123/chats for customer 456 with file.txt."""
    customer = renumber(Customer.objects.get(uuid=create_user(email="pens@example.com")["id"]), 456)
    api.put(api.v1("conversations/123"), {"subject": "Pens"})

    response = api.post(
        "/api/v2/conversations/123/chats",
        {"customer": {"id": 456}, "text": "Buy more pens", "attachments": [FILE_TXT]},
    )

    assert response.status_code == 201, response.content
    assert response.content == b""
    thread = Thread.objects.get(pk=int(response["Resource-ID"]))
    assert (thread.conversation.public_id, thread.type, thread.status) == ("123", "chat", "open")
    conversation = Conversation.objects.get(public_id="123")
    assert conversation.status == "active"
    message = Message.objects.get(thread=thread)
    assert (message.text, message.author_customer) == ("Buy more pens", customer)
    [attachment] = message.attachments.all()
    assert (attachment.original_name, attachment.mime_type, attachment.size) == ("file.txt", "plain/text", 4)
    assert attachment.file.read() == b"file"


def test_seed_003_imported_thread_does_not_reopen(api, create_user):
    """Seed 003: the conversation is reopened "unless the thread is imported (signalled by imported: true)"."""
    renumber(Customer.objects.get(uuid=create_user(email="pens@example.com")["id"]), 456)
    api.put(api.v1("conversations/123"), {"subject": "Pens"})

    response = api.post(
        "/api/v2/conversations/123/chats",
        {"customer": {"id": 456}, "text": "Buy more pens", "imported": True, "createdAt": "2020-05-01T10:00:00Z"},
    )

    assert response.status_code == 201, response.content
    assert Conversation.objects.get(public_id="123").status == "closed"
    assert Thread.objects.get(pk=int(response["Resource-ID"])).status == "closed"
