"""The bot loop end to end over real HTTP (integration API §8.8): a customer's message → a signed webhook to the
bot → the bot types and replies through the integration API → the customer's app sees the reply."""

from __future__ import annotations

import httpx
import pytest

from agents.services import agent_create, api_key_create
from tests.delivery.helpers import requests_to, verified_body
from tests.factories import make_account

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

DEVICE = "bot-loop-device-0001"


def test_customer_message_webhook_bot_reply_app_sees_it(live_server, httpserver):
    account = make_account()
    bot = agent_create(username="pensbot", display_name="Pens bot", is_bot=True, accounts={account: "agent"})
    _, key = api_key_create(account=account, name="bot", bot=bot)
    api = httpx.Client(base_url=f"{live_server.url}/api/v2", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    app = httpx.Client(
        base_url=f"{live_server.url}/clientApi/v1.9",
        headers={"x-iris-identification": f"{account.identification}:{DEVICE}"},
        timeout=10,
    )
    webhook = api.post(
        "/webhooks",
        json={"url": httpserver.url_for("/bot"), "events": ["message.created"], "senderKinds": ["customer", "bot"]},
    ).json()

    def bot_server(request):
        event = verified_body(request, webhook["secret"])
        conversation = event["data"]["conversation"]["id"]
        api.post(f"/conversations/{conversation}/typing", json={"state": "start"})
        api.post(
            f"/conversations/{conversation}/messages", json={"text": f"You said: {event['data']['message']['text']}"}
        )
        return "ok"

    httpserver.expect_request("/bot", method="POST").respond_with_handler(bot_server)

    assert app.post("/devices", json={"type": 3, "version": "2.0.0"}).status_code == 200
    sent = app.post("/messages", json={"message": "Buy more pens"})
    timeline = app.get("/messages").json()

    assert sent.status_code == 200
    assert [(m["typeId"], m["message"]) for m in timeline["data"]] == [
        (2, "You said: Buy more pens"),
        (1, "Buy more pens"),
    ]
    assert timeline["data"][0]["agent"]["name"] == "Pens bot"
    assert len(requests_to(httpserver, "/bot")) == 1  # the bot's own reply is not sent back to it (loop guard)
