"""Threads, messages, staff replies, attachments and typing beyond the seeds (spec §8.2, §8.4, §8.6, §8.7).
Checklist rows 67 and 68."""

from __future__ import annotations

import time

import pytest

from conversations.models import Conversation, Receipt
from conversations.timeline import timeline_page
from devices.models import Customer, Device
from tests.integration.helpers import FILE_TXT, App, assert_error, b64, db_counts

pytestmark = pytest.mark.django_db

PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@pytest.fixture
def app(client, account) -> App:
    """An anonymous app user who has written once: their current conversation is the one staff answer in."""
    installed = App(client=client, account=account, device_id="web-device-0001").register()
    installed.send("Do you sell pens?")
    return installed


def conversation_of(app: App) -> Conversation:
    return Device.objects.get(device_id=app.device_id).customer.current_conversation


def test_row_67_bot_reply_is_201_pending_and_reaches_the_app(bot_api, bot, app):
    public_id = conversation_of(app).public_id

    response = bot_api.post(f"/api/v2/conversations/{public_id}/messages", {"text": "Yes, blue and black."})

    assert response.status_code == 201, response.content
    message = response.json()
    assert (message["text"], message["sender"], message["type"], message["origin"]) == (
        "Yes, blue and black.",
        {"userId": str(bot.pk), "kind": "bot"},
        "UserMessage",
        "rest",
    )
    assert response["Location"].startswith(f"/api/v2/conversations/{public_id}/messages")
    assert bot_api.get(f"/api/v2/conversations/{public_id}").json()["status"] == "pending"
    customer = Device.objects.get(device_id=app.device_id).customer
    newest = timeline_page(customer=customer).items[0]
    assert (newest.message_id, newest.type_id) == (message["id"], Receipt.TypeId.AGENT)
    shown = app.messages()["data"][0]
    assert (shown["id"], shown["message"], shown["agent"]["name"]) == (
        message["id"],
        "Yes, blue and black.",
        "Pens bot",
    )


def test_row_67_reply_without_bound_bot_or_sender_is_sender_required(api, app):
    public_id = conversation_of(app).public_id
    before = db_counts()

    response = api.post(f"/api/v2/conversations/{public_id}/messages", {"text": "Hello"})

    assert_error(response, 400, "validation_failed", fields=[("senderId", "sender_required")])
    assert db_counts() == before


def test_row_67_reply_with_an_explicit_agent_sender(api, agent, app):
    public_id = conversation_of(app).public_id

    response = api.post(f"/api/v2/conversations/{public_id}/messages", {"text": "Hello", "senderId": agent.pk})

    assert response.status_code == 201, response.content
    assert response.json()["sender"] == {"userId": str(agent.pk), "kind": "agent"}


def test_row_67_reply_with_a_sender_that_is_not_staff(api, app):
    public_id = conversation_of(app).public_id
    customer = Device.objects.get(device_id=app.device_id).customer
    before = db_counts()

    response = api.post(f"/api/v2/conversations/{public_id}/messages", {"text": "Hello", "senderId": customer.number})

    assert_error(response, 400, "validation_failed", fields=[("senderId", "not_staff")])
    assert db_counts() == before


def test_row_67_outbound_start_opens_a_pending_thread(bot_api, make_conversation):
    make_conversation("c1")

    response = bot_api.post("/api/v2/conversations/c1/messages", {"text": "Your order shipped."})

    assert response.status_code == 201, response.content
    shown = bot_api.get("/api/v2/conversations/c1").json()
    assert (shown["status"], shown["threadCount"], shown["openThreadId"]) == (
        "pending",
        1,
        response.json()["threadId"],
    )


def test_row_68_typing_start_shows_on_the_app_for_15_seconds(bot_api, bot, app, monkeypatch):
    public_id = conversation_of(app).public_id
    started = time.time()

    response = bot_api.post(f"/api/v2/conversations/{public_id}/typing", {"state": "start"})

    assert (response.status_code, response.content) == (204, b"")
    typing = app.messages()["agent"]
    assert (typing["id"], typing["name"]) == (bot.pk, "Pens bot")
    assert type(typing["isTyping"]) is int and typing["isTyping"] >= int(started)
    monkeypatch.setattr(time, "time", lambda: started + 14)
    assert app.messages()["agent"]["isTyping"] == typing["isTyping"]
    monkeypatch.setattr(time, "time", lambda: started + 16)
    assert app.messages()["agent"] is None


def test_row_68_typing_stop_and_a_message_clear_it(bot_api, app):
    public_id = conversation_of(app).public_id
    bot_api.post(f"/api/v2/conversations/{public_id}/typing", {"state": "start"})

    stopped = bot_api.post(f"/api/v2/conversations/{public_id}/typing", {"state": "stop"})
    after_stop = app.messages()["agent"]
    bot_api.post(f"/api/v2/conversations/{public_id}/typing", {"state": "start"})
    bot_api.post(f"/api/v2/conversations/{public_id}/messages", {"text": "Here I am"})
    after_message = app.messages()["agent"]

    assert stopped.status_code == 204
    assert (after_stop, after_message) == (None, None)


def test_row_68_typing_with_a_bad_state_is_invalid_enum(bot_api, app):
    public_id = conversation_of(app).public_id
    before = db_counts()

    response = bot_api.post(f"/api/v2/conversations/{public_id}/typing", {"state": "maybe"})

    assert_error(response, 400, "validation_failed", fields=[("state", "invalid_enum")])
    assert db_counts() == before
    assert app.messages()["agent"] is None


def test_messages_page_in_ascending_order_with_cursors(api, make_conversation, say):
    make_conversation("c1")
    ids = say("c1", "alice", *[f"m{n}" for n in range(5)])

    latest = api.get("/api/v2/conversations/c1/messages", {"limit": "2"}).json()
    older = api.get("/api/v2/conversations/c1/messages", {"limit": "2", "before": str(ids[3])}).json()
    newer = api.get("/api/v2/conversations/c1/messages", {"limit": "2", "after": str(ids[0])}).json()
    both = api.get("/api/v2/conversations/c1/messages", {"before": str(ids[3]), "after": str(ids[0])})

    assert [m["id"] for m in latest["_embedded"]["messages"]] == ids[3:]
    assert ("prev" in latest["_links"], "next" in latest["_links"]) == (True, False)
    assert [m["id"] for m in older["_embedded"]["messages"]] == ids[1:3]
    assert ("prev" in older["_links"], "next" in older["_links"]) == (True, True)
    assert [m["id"] for m in newer["_embedded"]["messages"]] == ids[1:3]
    assert_error(both, 400, "validation_failed")


def test_threads_are_listed_oldest_first_with_counts(api, make_conversation, say):
    make_conversation("c1")
    say("c1", "alice", "one", "two")
    api.patch("/api/v2/conversations/c1", {"status": "closed"})
    say("c1", "alice", "three")
    alice = Customer.objects.get(fk_id="alice")

    threads = api.get("/api/v2/conversations/c1/sessions").json()["_embedded"]["threads"]

    assert [(t["status"], t["messageCount"], t["type"]) for t in threads] == [
        ("closed", 2, "session"),
        ("open", 1, "session"),
    ]
    assert threads[0]["openedBy"] == {"kind": "customer", "userId": str(alice.uuid)}


@pytest.mark.parametrize(
    ("attachment", "content_type", "disposition"),
    [
        ({**FILE_TXT, "fileName": "notes.txt"}, "application/octet-stream", "attachment; filename*=UTF-8''notes.txt"),
        ({"fileName": "dot.png", "mimeType": "image/png", "data": PNG_1x1}, "image/png", None),
    ],
    ids=["text", "png"],
)
def test_attachment_download_serves_only_safe_images_inline(
    bot_api, make_conversation, attachment, content_type, disposition
):
    make_conversation("c1")
    reply = bot_api.post("/api/v2/conversations/c1/messages", {"text": "See file", "attachments": [attachment]})
    [stored] = reply.json()["attachments"]

    response = bot_api.get(stored["url"])

    assert response.status_code == 200
    assert b64(b"".join(response.streaming_content)).rstrip("=") == attachment["data"].rstrip("=")
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    if disposition is not None:
        assert response["Content-Disposition"] == disposition
