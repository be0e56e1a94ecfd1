"""Webhooks to bots and integrations (spec §8.8): management, the signed envelope, retries with the same event id,
turning off, the loop guard, sender kinds, and which changes fire which events (checklist rows 9, 23, 25, 63,
66, 67). Receivers are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from agents.models import Delivery, Webhook
from conversations.models import Conversation
from conversations.services import desk_status_change
from tests.delivery.helpers import free_port, is_fresh, json_of, requests_to, verified_body
from tests.integration.helpers import FILE_TXT, App, assert_error

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]


@pytest.fixture
def subscribe(api, httpserver) -> Callable[..., dict]:
    """`POST /api/v2/webhooks` to the local receiver's `path`; returns the answer (with the secret)."""

    def create(*events: str, path: str = "/hook", using=None, **body) -> dict:
        response = (using or api).post(
            "/api/v2/webhooks", {"url": httpserver.url_for(path), "events": list(events), **body}
        )
        assert response.status_code == 201, response.content
        return response.json()

    return create


def events_at(httpserver, path: str = "/hook") -> list[dict]:
    return [json_of(request) for request in requests_to(httpserver, path)]


def event_types(httpserver, path: str = "/hook") -> list[str]:
    return [event["type"] for event in events_at(httpserver, path)]


# --- management -------------------------------------------------------------------------------------------


def test_create_shows_the_secret_once_and_lists_without_it(api, subscribe, httpserver):
    created = subscribe("message.created", description="Pens bot")
    listed = api.get("/api/v2/webhooks").json()["_embedded"]["webhooks"]

    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 32
    assert {k: created[k] for k in ("url", "events", "senderKinds", "active", "description", "disabledReason")} == {
        "url": httpserver.url_for("/hook"),
        "events": ["message.created"],
        "senderKinds": ["customer"],
        "active": True,
        "description": "Pens bot",
        "disabledReason": None,
    }
    assert created["ownerKeyId"] == api.account.api_keys.get().pk
    assert listed == [{k: v for k, v in created.items() if k != "secret"}]


def test_url_must_be_https_and_public_unless_private_targets_are_allowed(api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False

    plain = api.post("/api/v2/webhooks", {"url": "http://bots.example.com/hook", "events": ["ping"]})
    loopback = api.post("/api/v2/webhooks", {"url": "https://127.0.0.1:8443/hook", "events": ["ping"]})
    private = api.post("/api/v2/webhooks", {"url": "https://10.1.2.3/hook", "events": ["ping"]})

    for response in (plain, loopback, private):
        assert_error(response, 400, "validation_failed", fields=[("url", "invalid_url")])
    assert Webhook.objects.count() == 0


def test_bad_bodies_name_every_field(api):
    response = api.post("/api/v2/webhooks", {"url": "ftp://x", "events": ["message.sent"], "senderKind": ["bot"]})

    assert_error(
        response,
        400,
        "validation_failed",
        fields=[("url", "invalid_url"), ("events[0]", "invalid_enum"), ("senderKind", "unknown_field")],
    )
    assert_error(api.post("/api/v2/webhooks", {"url": "http://127.0.0.1/", "events": []}), 400, "validation_failed")
    assert Webhook.objects.count() == 0


def test_at_most_ten_webhooks_per_account(api, subscribe):
    for n in range(10):
        subscribe("ping", path=f"/hook{n}")

    response = api.post("/api/v2/webhooks", {"url": "http://127.0.0.1/eleven", "events": ["ping"]})

    assert_error(response, 400, "validation_failed", fields=[("url", "too_many_items")])
    assert Webhook.objects.count() == 10


def test_delete_and_another_accounts_webhook(api, other_api, subscribe):
    mine = subscribe("ping")

    theirs = other_api.delete(f"/api/v2/webhooks/{mine['id']}")
    deleted = api.delete(f"/api/v2/webhooks/{mine['id']}")
    again = api.delete(f"/api/v2/webhooks/{mine['id']}")

    assert_error(theirs, 404, "not_found")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(again, 404, "not_found")
    assert_error(api.delete("/api/v2/webhooks/abc"), 404, "not_found")


def test_test_sends_a_signed_ping(api, subscribe, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    created = subscribe("message.created")

    response = api.post(f"/api/v2/webhooks/{created['id']}/test")

    [request] = requests_to(httpserver, "/hook")
    event = verified_body(request, created["secret"])
    assert response.status_code == 202 and response.json() == {"eventId": event["id"]}
    assert (event["type"], event["appId"], event["data"]) == ("ping", api.account.app_id, {"webhookId": created["id"]})
    assert request.headers["X-Webhook-Id"] == event["id"] and request.headers["X-Webhook-Event"] == "ping"
    assert len(event["id"]) == 26 and event["id"].startswith("evt_")
    assert is_fresh(request)


# --- delivery ---------------------------------------------------------------------------------------------


def test_row_66_customer_message_signed_and_retried_with_the_same_id(
    subscribe, make_conversation, say, httpserver, later
):
    answers = iter([500, 500, 200])
    httpserver.expect_request("/hook").respond_with_handler(lambda request: Response("", status=next(answers)))
    created = subscribe("message.created")
    make_conversation("123", participants=["alice"])

    [message_id] = say("123", "alice", "Buy more pens")
    later(minutes=1)
    later(minutes=5)

    requests = requests_to(httpserver, "/hook")
    bodies = [verified_body(request, created["secret"]) for request in requests]
    timestamps = [int(request.headers["X-Webhook-Timestamp"]) for request in requests]
    assert len(requests) == 3
    assert len({request.headers["X-Webhook-Id"] for request in requests}) == 1
    assert timestamps[0] < timestamps[1] < timestamps[2]  # a fresh timestamp and signature each time
    assert bodies[0] == bodies[1] == bodies[2]
    event = bodies[0]
    assert event["type"] == "message.created" and event["id"] == requests[0].headers["X-Webhook-Id"]
    assert event["data"]["conversation"]["id"] == "123" and event["data"]["conversation"]["status"] == "active"
    assert event["data"]["thread"]["status"] == "open"
    message = event["data"]["message"]
    assert (message["id"], message["text"], message["sender"]["kind"]) == (message_id, "Buy more pens", "customer")
    assert Delivery.objects.get().status == "delivered"


def test_a_receiver_that_is_down_gets_the_event_when_it_is_back(api, make_conversation, say, later):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    created = api.post("/api/v2/webhooks", {"url": url, "events": ["message.created"]}).json()
    make_conversation("123")

    say("123", "alice", "Anyone there?")
    later(minutes=1)  # still down: refused again
    receiver = HTTPServer(host="127.0.0.1", port=port)
    receiver.expect_request("/hook").respond_with_data("ok")
    receiver.start()
    try:
        later(minutes=5)
    finally:
        receiver.stop()

    [request] = requests_to(receiver, "/hook")
    delivery = Delivery.objects.get()
    assert verified_body(request, created["secret"])["data"]["message"]["text"] == "Anyone there?"
    assert (delivery.status, delivery.attempts) == ("delivered", 3)


def test_410_turns_the_webhook_off_at_once(subscribe, make_conversation, say, httpserver):
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    created = subscribe("message.created")
    make_conversation("123")

    say("123", "alice", "one")
    say("123", "alice", "two")

    webhook = Webhook.objects.get(pk=created["id"])
    assert (webhook.active, webhook.disabled_reason) == (False, "The receiver answered 410 Gone.")
    assert [d.status for d in Delivery.objects.all()] == ["failed"]
    assert len(requests_to(httpserver, "/hook")) == 1


def test_three_days_of_failures_turn_the_webhook_off(api, subscribe, make_conversation, say, httpserver, later):
    httpserver.expect_request("/hook").respond_with_data("", status=500)
    created = subscribe("message.created")
    make_conversation("123")

    say("123", "alice", "day one")
    later(days=1)
    still_on = Webhook.objects.get(pk=created["id"]).active
    later(days=2, minutes=1)
    say("123", "alice", "day four")

    [listed] = api.get("/api/v2/webhooks").json()["_embedded"]["webhooks"]
    assert still_on is True
    assert listed["active"] is False and listed["disabledReason"].startswith("Every delivery failed since ")


def test_row_67_a_bots_own_reply_skips_its_keys_webhook(api, bot_api, subscribe, make_conversation, say, httpserver):
    httpserver.expect_request("/bot").respond_with_data("ok")
    httpserver.expect_request("/crm").respond_with_data("ok")
    subscribe("message.created", path="/bot", senderKinds=["customer", "bot"], using=bot_api)
    subscribe("message.created", path="/crm", senderKinds=["customer", "bot"])
    make_conversation("123")
    say("123", "alice", "Buy more pens")

    reply = bot_api.post("/api/v2/conversations/123/messages", {"text": "How many?"})

    assert reply.status_code == 201 and reply.json()["sender"]["kind"] == "bot"
    assert Conversation.objects.get(public_id="123").status == "pending"
    bot_texts = [e["data"]["message"]["text"] for e in events_at(httpserver, "/bot")]
    crm_texts = [e["data"]["message"]["text"] for e in events_at(httpserver, "/crm")]
    assert bot_texts == ["Buy more pens"]
    assert crm_texts == ["Buy more pens", "How many?"]


def test_sender_kinds_default_to_customer_messages(bot_api, subscribe, make_conversation, say, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("message.created")
    make_conversation("123")

    say("123", "alice", "from the customer")
    bot_api.post("/api/v2/conversations/123/messages", {"text": "from the bot"})

    assert [e["data"]["message"]["sender"]["kind"] for e in events_at(httpserver)] == ["customer"]


def test_imported_content_and_spam_conversations_fire_nothing(api, subscribe, make_conversation, say, chat, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("message.created", "thread.opened", "thread.closed", "conversation.status_changed")
    make_conversation("123")
    make_conversation("456")

    imported = chat("123", {"email": "alice@example.com"}, imported=True, createdAt="2020-01-01T10:00:00Z")
    api.patch("/api/v2/conversations/456", {"status": "spam"})
    httpserver.clear_log()
    say("456", "alice", "buy cheap pens")

    assert imported.status_code == 201
    assert events_at(httpserver) == []
    assert Delivery.objects.filter(event_type="message.created").count() == 0


# --- which changes fire which events ----------------------------------------------------------------------


def test_user_events_rows_9_23_25(api, subscribe, create_user, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("user.created", "user.updated", "user.deleted")

    user = create_user(email="john@example.com")
    for _ in range(2):  # the same PUT twice: one user, created once
        api.put(api.v1("users/jane"), {"name": "Jane", "email": ["jane@example.com"]})
    jane = api.get("/api/external/users/search", {"fkId": "jane"}).json()
    api.delete(f"/api/external/users/{user['id']}")

    events = events_at(httpserver)
    assert [e["type"] for e in events] == ["user.created", "user.created", "user.deleted"]
    assert events[0]["data"]["user"]["email"] == "john@example.com"
    assert events[1]["data"]["user"]["id"] == jane["id"]
    assert events[2]["data"]["user"]["id"] == user["id"]


def test_user_updated_fires_only_for_a_real_change(api, subscribe, make_user, httpserver):
    make_user("12081")
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("user.updated")

    api.put(api.v1("users/12081"), {"name": "Alice"})
    api.put(api.v1("users/12081"), {"name": "Alice"})

    assert [e["data"]["user"]["firstName"] for e in events_at(httpserver)] == ["12081"]


def test_conversation_and_thread_events_row_63(api, agent, subscribe, make_conversation, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(
        "conversation.created",
        "conversation.updated",
        "conversation.status_changed",
        "conversation.assigned",
        "conversation.merged",
        "thread.opened",
        "thread.closed",
    )

    make_conversation("123")
    make_conversation("456")
    api.patch("/api/v2/conversations/123", {"subject": "Pens"})
    api.patch("/api/v2/conversations/123", {"status": "active"})
    api.patch("/api/v2/conversations/123", {"assigneeId": agent.pk})
    api.patch("/api/v2/conversations/123", {"status": "closed"})
    api.post("/api/v2/conversations/456/merge", {"into": "123"})

    events = events_at(httpserver)
    assert [(e["type"], e["data"]["conversation"]["id"]) for e in events] == [
        ("conversation.created", "123"),
        ("conversation.created", "456"),
        ("conversation.updated", "123"),
        ("thread.opened", "123"),
        ("conversation.status_changed", "123"),
        ("conversation.assigned", "123"),
        ("thread.closed", "123"),
        ("conversation.status_changed", "123"),
        ("conversation.merged", "123"),
    ]
    assert events[2]["data"]["conversation"]["subject"] == "Pens"
    assert events[4]["data"]["previousStatus"] == "closed" and events[4]["data"]["conversation"]["status"] == "active"
    assert events[5]["data"]["previousAssigneeId"] is None
    assert events[5]["data"]["conversation"]["assignee"]["id"] == agent.pk
    assert (events[6]["data"]["thread"]["status"], events[6]["data"]["thread"]["closeReason"]) == ("closed", "agent")
    assert events[8]["data"]["mergedConversationId"] == "456"


def test_chat_thread_events(api, subscribe, make_conversation, chat, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("thread.opened", "thread.closed", "conversation.status_changed", "message.created")
    make_conversation("123")

    first = chat("123", {"email": "alice@example.com"}, attachments=[FILE_TXT])
    second = chat("123", {"email": "alice@example.com"}, text="Still there?")

    assert (first.status_code, second.status_code) == (201, 201)
    events = events_at(httpserver)
    assert [e["type"] for e in events] == [
        "thread.opened",
        "conversation.status_changed",
        "message.created",
        "thread.closed",
        "thread.opened",
        "message.created",
    ]
    assert events[0]["data"]["thread"]["type"] == "chat"
    assert events[2]["data"]["message"]["attachments"][0]["fileName"] == "file.txt"
    assert events[3]["data"]["thread"]["closeReason"] == "superseded"


def test_customer_typing_events_from_the_app(api, subscribe, client, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("typing.started", "typing.stopped")
    app = App(client=client, account=api.account, device_id="typing-device-0001").register()
    app.send("Hello")

    for event in ("startTyping", "startTyping", "stopTyping"):
        client.post(f"/clientApi/v1.9/services/event/{event}", headers=app.headers())

    events = events_at(httpserver)
    assert [e["type"] for e in events] == ["typing.started", "typing.stopped"]  # changes only
    assert events[0]["data"]["user"]["kind"] == "customer"


def test_a_customers_message_ends_their_typing_with_one_typing_stopped(api, subscribe, client, httpserver):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("typing.started", "typing.stopped")
    app = App(client=client, account=api.account, device_id="typing-device-0002").register()
    app.send("Hello")

    client.post("/clientApi/v1.9/services/event/startTyping", headers=app.headers())
    app.send("Sent while typing")
    app.send("Sent after")

    assert [e["type"] for e in events_at(httpserver)] == ["typing.started", "typing.stopped"]


def test_staff_typing_events_skip_the_typing_bots_webhook(api, bot_api, subscribe, make_conversation, httpserver):
    httpserver.expect_request("/bot").respond_with_data("ok")
    httpserver.expect_request("/crm").respond_with_data("ok")
    subscribe("typing.started", path="/bot", using=bot_api)
    subscribe("typing.started", path="/crm")
    make_conversation("123")

    bot_api.post("/api/v2/conversations/123/typing", {"state": "start"})

    assert (event_types(httpserver, "/bot"), event_types(httpserver, "/crm")) == ([], ["typing.started"])


def test_a_malformed_url_is_a_field_error(api):
    for url in ("https://bots.example.com:99999/hook", "https://[::1/hook"):
        response = api.post("/api/v2/webhooks", {"url": url, "events": ["ping"]})

        assert_error(response, 400, "validation_failed", fields=[("url", "invalid_url")])


def test_desk_action_lines_reach_webhooks_taking_system_messages(
    api, agent, subscribe, make_conversation, say, httpserver
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe("message.created", senderKinds=["system"])
    make_conversation("123")
    say("123", "alice", "Hello")

    desk_status_change(conversation=Conversation.objects.get(public_id="123"), agent=agent, action="close")

    [event] = events_at(httpserver)
    message = event["data"]["message"]
    assert (message["sender"], message["silent"], message["text"]) == (
        None,
        True,
        f"{agent.display_name} closed the conversation",
    )
