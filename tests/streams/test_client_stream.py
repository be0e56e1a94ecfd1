"""The widget's event stream (`GET /stream/client`, issue #18): authorised like the client API, it carries the
customer's new messages exactly as `GET messages` shows them, agent typing and statuses, after the commit, and a
client that resumes with the last id it saw misses nothing and gets nothing twice."""

from __future__ import annotations

import pytest
from django.db import transaction

from conversations.services import message_post, receipts_raise_status
from conversations.typing import agent_typing_set
from devices.models import Device
from tests.clientapi.helpers import agent_reply, api, customer_of, register, token_for
from tests.streams.sse import open_stream


def stream(server, app, **headers):
    return open_stream(server.url, "/stream/client", {**app.headers(), **headers})


@pytest.fixture
def web(client, account):
    return register(client, "web-device-0001")


def test_an_agent_reply_arrives_as_get_messages_shows_it(stream_server, client, web, agent):
    # given a customer with a conversation and an open stream
    web.send("Hello?")
    status, sse = stream(stream_server, web)
    assert status == 200
    ready = sse.next_of("ready")

    # when an agent replies
    reply = agent_reply(web, agent, "How can I help?")

    # then the stream carries it, as the client API's poll shows it, with its id as the event id
    event = sse.next_of("message")
    assert event.id == reply.pk and ready.data["lastEventId"] < reply.pk
    polled = web.get(f"messages/after:{ready.data['lastEventId']}").json()["data"]
    assert [event.data] == polled


def test_nothing_is_sent_before_the_commit(stream_server, web, agent):
    web.send("Hello?")
    _, sse = stream(stream_server, web)
    sse.next_of("ready")

    with transaction.atomic():
        reply = agent_reply(web, agent, "not yet")
        assert sse.nothing(0.5)

    assert sse.next_of("message").id == reply.pk


def test_another_customers_stream_never_carries_a_foreign_message_or_typing(stream_server, client, web, agent):
    # given two customers of the same account, each with a stream
    web.send("my order is 991")
    other = register(client, "other-device-0001")
    other.send("hi")
    _, mine = stream(stream_server, web)
    _, theirs = stream(stream_server, other)
    mine.next_of("ready"), theirs.next_of("ready")

    # when an agent types and replies to the first customer, then replies to the second
    conversation = customer_of(web).current_conversation
    agent_typing_set(conversation=conversation, agent=agent, typing=True)
    secret = agent_reply(web, agent, "991 ships today")
    theirs_reply = agent_reply(other, agent, "hello other")

    # then the first stream sees its typing and reply, the second only its own reply
    assert mine.next_of("typing").data["agent"]["name"] == "Sanne"
    assert mine.next_of("message").id == secret.pk
    assert theirs.next_of("message").id == theirs_reply.pk
    assert theirs.nothing(0.5)
    assert [e.id for e in theirs.seen if e.event == "message"] == [theirs_reply.pk]
    assert not [e for e in theirs.seen if e.event in ("typing", "read", "status")]


def test_agent_typing_shows_the_agent(stream_server, web, agent):
    web.send("Hello?")
    _, sse = stream(stream_server, web)
    sse.next_of("ready")

    agent_typing_set(conversation=customer_of(web).current_conversation, agent=agent, typing=True)

    typing = sse.next_of("typing").data
    assert typing["typing"] is True
    assert typing["agent"]["id"] == agent.pk and typing["agent"]["name"] == "Sanne"


def test_resuming_in_the_middle_of_a_burst_misses_nothing_and_repeats_nothing(stream_server, web, agent):
    # given a stream that has read part of a burst of replies
    web.send("Hello?")
    _, sse = stream(stream_server, web)
    sse.next_of("ready")
    conversation = customer_of(web).current_conversation
    burst = [message_post(conversation=conversation, author=agent, text=f"line {n}").pk for n in range(12)]
    received = [sse.next_of("message").id for _ in range(5)]

    # when the connection drops, the burst goes on, and the client resumes from the last id it saw
    sse.close()
    burst += [message_post(conversation=conversation, author=agent, text=f"line {n}").pk for n in range(12, 70)]
    _, resumed = stream(stream_server, web, **{"Last-Event-ID": str(received[-1])})
    while len(received) < len(burst):
        received.append(resumed.next_of("message").id)

    # then every message came once, in order
    assert received == burst
    assert resumed.next_of("ready").data == {"lastEventId": burst[-1]}
    assert resumed.nothing(0.5)


def test_a_new_stream_starts_after_the_newest_message(stream_server, web, agent):
    web.send("old news")
    agent_reply(web, agent, "old answer")

    _, sse = stream(stream_server, web)

    assert sse.next().event == "ready"
    assert sse.nothing(0.3)


def test_receipts_read_on_another_device_become_a_status_event(stream_server, web, agent):
    web.send("Hello?")
    reply = agent_reply(web, agent)
    _, sse = stream(stream_server, web)
    sse.next_of("ready")

    receipts_raise_status(customer=customer_of(web), message_ids=[reply.pk], status=4)

    assert sse.next_of("status").data == {"ids": [reply.pk], "status": 4}


def test_an_unknown_device_is_refused_in_the_client_envelope(stream_server, web):
    Device.objects.filter(device_id=web.device_id).delete()

    status, body = stream(stream_server, web)

    assert status == 400
    assert body["status"] == "ERROR"
    assert body["notifications"] == [{"type": "error", "message": "device_not_registered"}]


def test_an_expired_token_is_refused_in_the_client_envelope(stream_server, client, account):
    app = register(client, "registered-device-01", token_for("customer-7"))
    expired = token_for("customer-7", valid_until=1)

    status, body = stream(stream_server, app.with_(token=expired))

    assert status in (400, 401, 403)
    assert body["status"] == "ERROR" and body["notifications"][0]["type"] == "error"


def test_a_preflight_allows_the_headers_the_widget_sends(stream_server):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", stream_server.port, timeout=5)
    connection.request(
        "OPTIONS",
        "/stream/client",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-iris-identification, last-event-id",
        },
    )
    response = connection.getresponse()

    assert response.status == 204
    assert response.getheader("Access-Control-Allow-Origin") == "https://shop.example"
    assert "last-event-id" in response.getheader("Access-Control-Allow-Headers")


def test_the_stream_is_not_a_client_api_endpoint(db, client, web):
    """The Parley contract is unchanged: no new path under /clientApi/."""
    assert web.get("stream").status_code == 404
    assert client.get(api("stream")).status_code == 404


def test_a_device_revoked_while_streaming_ends_its_stream_and_cannot_reconnect(stream_server, web):
    _, sse = stream(stream_server, web)
    sse.next_of("ready")

    Device.objects.filter(device_id=web.device_id).delete()

    with pytest.raises(EOFError):
        sse.next(5)
    status, body = stream(stream_server, web)
    assert status == 400 and body["notifications"][0]["message"] == "device_not_registered"
