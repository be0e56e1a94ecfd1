"""The desk's event stream (`GET /stream/desk`, issue #18): behind the desk's session, it carries the new messages,
typing and conversation changes of the accounts the agent serves, and no other tenant's."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.services import agent_create
from conversations.services import desk_status_change
from conversations.typing import customer_typing_set
from tests.factories import make_conversation, make_customer, post
from tests.streams.sse import open_stream


def session_of(agent) -> dict[str, str]:
    client = Client()
    client.force_login(agent.user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def desk_stream(server, agent, **headers):
    return open_stream(server.url, "/stream/desk", {**session_of(agent), **headers})


@pytest.fixture
def customer(account):
    return make_customer(account=account)


@pytest.fixture
def conversation(account, customer):
    return make_conversation(account=account, customers=[customer])


def test_a_customers_message_reaches_the_desk(stream_server, agent, customer, conversation):
    _, sse = desk_stream(stream_server, agent)
    sse.next_of("ready")

    message = post(conversation, customer, "Where is my parcel?")

    event = sse.next_of("message")
    assert event.id == message.pk
    assert event.data == {"conversation": conversation.pk, "author": "customer", "silent": False}


def test_status_changes_and_typing_reach_the_desk(stream_server, agent, customer, conversation):
    post(conversation, customer, "Hello")
    _, sse = desk_stream(stream_server, agent)
    sse.next_of("ready")

    customer_typing_set(conversation_id=conversation.pk, customer=customer, typing=True)
    desk_status_change(conversation=conversation, agent=agent, action="close")

    typing = sse.next_of("typing").data
    assert typing == {
        "conversation": conversation.pk,
        "who": "customer",
        "typing": True,
        "customer": customer.pk,
        "agent": None,
    }
    changes = [sse.next_of("conversation").data for _ in range(2)]  # the thread closed, then the status changed
    assert changes[-1] == {
        "conversation": conversation.pk,
        "event": "conversation.status_changed",
        "status": "closed",
        "assignee": None,
    }


def test_a_staff_user_of_another_tenant_never_hears_this_tenants_events(
    stream_server, agent, other_account, customer, conversation
):
    # given an agent (staff) serving only another account, with the desk stream open
    stranger = agent_create(username="piet", display_name="Piet", accounts={other_account: "agent"})
    _, theirs = desk_stream(stream_server, stranger)
    theirs.next_of("ready")

    # when this account's customer writes and types, and their conversation closes
    post(conversation, customer, "my address is Dam 1")
    customer_typing_set(conversation_id=conversation.pk, customer=customer, typing=True)
    desk_status_change(conversation=conversation, agent=agent, action="close")
    # and a customer of their own account writes
    own = make_conversation(account=other_account, customers=[make_customer(account=other_account)])
    own_message = post(own, own.primary_customer, "hi")

    # then they hear their own customer only
    assert theirs.next_of("message").id == own_message.pk
    theirs.nothing(0.5)
    conversations = {
        e.data["conversation"] for e in theirs.seen if isinstance(e.data, dict) and "conversation" in e.data
    }
    assert conversations == {own.pk}


def test_a_superusers_stream_carries_every_account(stream_server, agent, other_account, customer, conversation):
    # given a superuser whose agent serves another account only (issue #19: the server's operator sees every account)
    root = agent_create(username="root", display_name="Root", is_superuser=True, accounts={other_account: "admin"})
    _, sse = desk_stream(stream_server, root)
    sse.next_of("ready")

    # when a customer of an account it is no member of writes
    message = post(conversation, customer, "Hello?")

    # then the stream carries it
    assert sse.next_of("message").id == message.pk


def test_resuming_sends_the_missed_messages_once(stream_server, agent, customer, conversation):
    _, sse = desk_stream(stream_server, agent)
    last = sse.next_of("ready").data["lastEventId"]
    sse.close()

    missed = [post(conversation, customer, f"line {n}").pk for n in range(5)]
    _, resumed = desk_stream(stream_server, agent, **{"Last-Event-ID": str(last)})

    assert [resumed.next_of("message").id for _ in missed] == missed
    assert resumed.next_of("ready").data == {"lastEventId": missed[-1]}
    assert resumed.nothing(0.3)


def test_without_a_session_the_stream_is_refused(stream_server):
    status, body = open_stream(stream_server.url, "/stream/desk")

    assert status == 401 and body == {"error": "not_signed_in"}


def test_a_bot_or_a_user_who_is_not_an_agent_is_refused(stream_server, account, django_user_model):
    user = django_user_model.objects.create_user(username="visitor", password="pw-visitor-1234")
    client = Client()
    client.force_login(user)

    status, body = open_stream(
        stream_server.url, "/stream/desk", {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    )

    assert status == 404 and body == {"error": "not_an_agent"}


def test_a_desk_page_on_another_port_of_this_host_may_read_the_stream(stream_server, agent):
    """`make serve`: the pages on one port, the streams on the next; another host gets no such permission."""
    _, sse = desk_stream(stream_server, agent, Origin="http://127.0.0.1:8000")
    _, foreign = desk_stream(stream_server, agent, Origin="https://evil.example")

    assert sse.response.getheader("Access-Control-Allow-Origin") == "http://127.0.0.1:8000"
    assert sse.response.getheader("Access-Control-Allow-Credentials") == "true"
    assert foreign.response.getheader("Access-Control-Allow-Origin") is None
