"""End to end, one test per SDK flow: what the web, Android and iOS SDKs send, in the order they send it."""

from __future__ import annotations

import pytest

from conversations.models import Conversation, Message
from conversations.typing import agent_typing_set, customer_typing_get
from devices.models import Customer
from tests.clientapi.helpers import (
    ANDROID_BODY,
    ANDROID_JSON,
    IOS_JSON,
    WEB_BODY,
    WEB_JSON,
    App,
    agent_reply,
    assert_error,
    customer_of,
    png_bytes,
    register,
    token_for,
    upload_file,
)

pytestmark = pytest.mark.django_db

IOS_BODY = {"pushToken": "c9q-ios", "pushType": 6, "pushEnabled": True, "type": 2, "version": "4.4.2"}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [message["id"] for message in response.json()["data"]]


def test_anonymous_web_flow(client, account, agent):
    web = App(client, "web-device-0001", token="", json_type=WEB_JSON)  # the web SDK sends `authorization: ""`
    registration = web.register(WEB_BODY)
    opened = web.get("messages")
    hello = web.send("Hello, I have a question")
    reply = agent_reply(web, agent, "Sure, send a photo").pk
    polled = web.get(f"messages/after:{hello}")
    media_id = web.upload("media", media=upload_file(png_bytes(), name="holiday.png")).json()["data"]["media"]
    photo = int(
        web.post("messages", {"media": {"id": media_id, "description": "holiday.png"}}).json()["data"]["messageId"]
    )
    media = web.get(f"messages/after:{reply}").json()["data"][0]["media"]
    download = web.get(f"media/{media['year']}/{media['month']}/{media['day']}/{media['filename']}")
    thanks = agent_reply(web, agent, "Thanks!").pk
    unseen = web.get("messages/unseen/count").json()["data"]
    seen = web.put("messages/status/4", {"messageIds": [hello, reply, photo, thanks]}).json()["data"]

    assert registration.json()["notifications"] == [{"type": "success", "message": "device_successfully_subscribed"}]
    assert ids(opened) == []
    assert ids(polled) == [reply]
    assert polled.json()["data"][0]["agent"]["name"] == "Sanne"
    assert (media["mimeType"], media["description"]) == ("image/png", "holiday.png")
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png_bytes()
    assert unseen == {"messageIds": [reply, thanks], "count": 2}
    assert seen == {"messageIds": [reply, thanks]}
    assert web.get("messages/unseen/count").json()["data"] == {"messageIds": [], "count": 0}
    assert ids(web.get("messages")) == [thanks, photo, reply, hello]


def test_android_flow_pages_older_history_through_the_double_slash(client, account, agent):
    android = register(client, "3f2a9c1e-android", body=ANDROID_BODY, json_type=ANDROID_JSON)
    history = [android.send("Hello")] + [agent_reply(android, agent, f"answer {n}").pk for n in range(119)]
    pages = [android.get("messages")]
    while pages[-1].json()["paging"]["before"]:
        assert len(pages) <= 3, "paging with before: must end"
        url = "/clientApi/v1.9/" + pages[-1].json()["paging"]["before"]
        assert "v1.9//messages/before:" in url
        pages.append(client.get(url, headers=android.headers()))

    assert [len(ids(page)) for page in pages] == [50, 50, 20]
    assert [message_id for page in pages for message_id in ids(page)] == history[::-1]
    assert pages[1].json()["metadata"]["values"]["url"] == f"messages/before:{history[70]}"
    assert [page.json()["paging"]["before"] for page in pages] == [
        f"/messages/before:{history[70]}",
        f"/messages/before:{history[20]}",
        "",
    ]
    pushed = android.get(f"messages/{history[-1]}").json()["data"]
    assert (pushed["id"], pushed["typeId"], pushed["message"]) == (history[-1], 2, "answer 118")


def test_registered_ios_flow_with_a_token(client, account, agent):
    token = token_for("customer-42")
    ios = register(client, "8E1D2C3B-IOS-DEVICE", token, body=IOS_BODY, json_type=IOS_JSON)
    hello = ios.send("Hello")
    reply = agent_reply(ios, agent).pk

    page = ios.get("messages").json()

    assert [(m["id"], m["typeId"], m["status"]) for m in page["data"]] == [(reply, 2, 3), (hello, 1, 4)]
    assert list(Customer.objects.values_list("fk_id", "registered")) == [("customer-42", True)]
    assert customer_of(ios).devices.get().push_token == "c9q-ios"


def test_anonymous_history_merges_into_the_registered_customer_on_the_same_device(client, account, agent):
    anonymous = register(client, "shared-device-01")
    question = anonymous.send("Anonymous question")
    answer = agent_reply(anonymous, agent, "Please log in").pk
    anonymous_customer = customer_of(anonymous)

    registered = register(client, "shared-device-01", token_for("customer-42"))
    follow_up = registered.send("Logged in now")

    page = registered.get("messages").json()["data"]
    assert [(m["id"], m["typeId"]) for m in page] == [(follow_up, 1), (answer, 2), (question, 1)]
    assert (Message.objects.count(), Conversation.objects.count()) == (3, 1)
    anonymous_customer.refresh_from_db()
    assert anonymous_customer.merged_into == customer_of(registered)
    assert customer_of(registered).fk_id == "customer-42"


def test_second_device_with_the_same_token_sees_the_same_history(client, account, agent):
    token = token_for("customer-42")
    desktop = register(client, "desktop-browser-1", token)
    hello = desktop.send("Started on my PC")
    reply = agent_reply(desktop, agent).pk

    phone = register(client, "phone-device-0001", token, body=ANDROID_BODY)
    from_phone = phone.send("Going on with mobile")

    assert ids(phone.get("messages")) == [from_phone, reply, hello]
    assert [m["typeId"] for m in desktop.get("messages").json()["data"]] == [1, 2, 1]
    assert Customer.objects.count() == 1


def test_web_logout_is_told_to_authorize_and_continues_on_a_new_device_id(client, account):
    logged_in = register(client, "web-device-0001", token_for("customer-42"))
    logged_in.send("Private order question")
    logged_out = logged_in.with_(token="")

    poll = logged_out.get("messages")
    reregister = logged_out.register()
    fresh = register(client, "web-device-0002", token="")

    for response in (poll, reregister):
        body = assert_error(response, 400)
        assert body["notifications"] == [
            {"type": "error", "message": "device_requires_authorization"},
            {"type": "error", "message": "device_not_registered"},
        ]
    assert ids(fresh.get("messages")) == []
    assert list(Customer.objects.order_by("pk").values_list("registered", flat=True)) == [True, False]


def test_typing_both_ways(client, account, agent):
    ios = register(client, "8E1D2C3B-IOS-DEVICE", body=IOS_BODY, json_type=IOS_JSON)
    ios.send("Hello")
    conversation = customer_of(ios).current_conversation
    conversation_id = conversation.pk

    started = ios.post("services/event/startTyping")
    while_typing = customer_typing_get(conversation_id=conversation_id)
    stopped = ios.post("services/event/stopTyping")
    after_stop = customer_typing_get(conversation_id=conversation_id)
    ios.post("services/event/startTyping")
    ios.send("Sent while typing")
    after_send = customer_typing_get(conversation_id=conversation_id)
    agent_typing_set(conversation=conversation, agent=agent, typing=True)
    agent_typing = ios.get("messages").json()["agent"]
    agent_typing_set(conversation=conversation, agent=agent, typing=False)
    agent_stopped = ios.get("messages").json()["agent"]

    assert [started.json()["data"], stopped.json()["data"]] == [
        "event startTyping executed",
        "event stopTyping executed",
    ]
    assert while_typing["customer_id"] == customer_of(ios).pk
    assert (after_stop, after_send) == (None, None)
    assert (agent_typing["id"], agent_typing["name"]) == (agent.pk, "Sanne")
    assert type(agent_typing["isTyping"]) is int and agent_typing["isTyping"] > 1_700_000_000
    assert agent_stopped is None
