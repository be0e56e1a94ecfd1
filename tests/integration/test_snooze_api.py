"""Snooze in the integration API (#19): `PUT/DELETE /api/v2/conversations/{id}/snooze`. The API's statuses are
Help Scout's, which know no snooze: a snoozed conversation shows `status: pending` with `snooze` set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import conversation_snooze, conversations_wake_due
from tests.delivery.helpers import json_of, requests_to
from tests.integration.helpers import assert_error

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_put_snoozes_and_the_conversation_shows_pending_with_its_snooze(api, make_conversation, say):
    make_conversation("order_1")
    say("order_1", "alice", "Hello")
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    response = api.put("/api/v2/conversations/order_1/snooze", {"snoozedUntil": iso(until)})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["snooze"] == {"snoozedUntil": iso(until), "snoozedBy": None}
    assert body["openThreadId"] is not None
    stored = Conversation.objects.get(public_id="order_1")
    assert (stored.status, stored.snoozed_until) == ("snoozed", until)
    assert api.get("/api/v2/conversations/order_1").json()["snooze"]["snoozedUntil"] == iso(until)


def test_put_takes_help_scouts_unsnooze_on_customer_reply_true_only(api, make_conversation, say):
    """Help Scout's body (helpscout-mailbox sends it): `unsnoozeOnCustomerReply` is required there. Here a customer's
    message always wakes the conversation, so `true` is accepted and `false` refused, writing nothing."""
    make_conversation("order_9")
    say("order_9", "alice", "Hello")
    until = iso(timezone.now() + timedelta(days=2))

    refused = api.put("/api/v2/conversations/order_9/snooze", {"snoozedUntil": until, "unsnoozeOnCustomerReply": False})
    assert_error(refused, 400, "validation_failed", fields=[("unsnoozeOnCustomerReply", "unsupported")])
    assert Conversation.objects.get(public_id="order_9").status == "active"

    response = api.put("/api/v2/conversations/order_9/snooze", {"snoozedUntil": until, "unsnoozeOnCustomerReply": True})
    assert response.status_code == 200, response.content
    assert Conversation.objects.get(public_id="order_9").status == "snoozed"
    say("order_9", "alice", "Still there?")
    assert Conversation.objects.get(public_id="order_9").status == "active"


def test_delete_wakes_it_to_active_while_the_customer_waits(api, make_conversation, say):
    make_conversation("order_2")
    say("order_2", "alice", "Hello")
    assert api.put("/api/v2/conversations/order_2/snooze", {"snoozedUntil": None}).status_code == 200

    response = api.delete("/api/v2/conversations/order_2/snooze")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["snooze"]) == ("active", None)


def test_snooze_refuses_a_bad_time_and_a_closed_conversation(api, make_conversation, say):
    make_conversation("order_3")  # closed: no thread yet
    bad = api.put("/api/v2/conversations/order_3/snooze", {"snoozedUntil": "Monday"})
    assert_error(bad, 400, "validation_failed")
    closed = api.put("/api/v2/conversations/order_3/snooze", {})
    assert_error(closed, 409, "conversation_not_open")


def test_list_filters_snoozed_and_pending_takes_them(api, make_conversation, say, agent):
    for public_id in ("a", "b"):
        make_conversation(public_id)
        say(public_id, "alice", "Hi")
    conversation_snooze(conversation=Conversation.objects.get(public_id="a"), agent=agent, until=None)

    def ids(status: str) -> list[str]:
        response = api.get("/api/v2/conversations", {"status": status})
        assert response.status_code == 200, response.content
        return sorted(c["id"] for c in response.json()["_embedded"]["conversations"])

    assert ids("snoozed") == ["a"]
    assert ids("pending") == ["a"]
    assert ids("active") == ["b"]
    assert ids("open") == ["a", "b"]


def test_patch_cannot_snooze_but_may_wake(api, make_conversation, say, agent):
    make_conversation("order_4")
    say("order_4", "alice", "Hi")
    assert_error(api.patch("/api/v2/conversations/order_4", {"status": "snoozed"}), 400, "validation_failed")
    conversation_snooze(conversation=Conversation.objects.get(public_id="order_4"), agent=agent, until=None)

    response = api.patch("/api/v2/conversations/order_4", {"status": "pending"})

    assert (response.json()["status"], response.json()["snooze"]) == ("pending", None)
    assert Conversation.objects.get(public_id="order_4").status == "pending"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("private_targets")
def test_status_changed_events_show_the_snooze_and_the_wake(
    api, make_conversation, say, agent, httpserver, time_machine
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    response = api.post(
        "/api/v2/webhooks", {"url": httpserver.url_for("/hook"), "events": ["conversation.status_changed"]}
    )
    assert response.status_code == 201, response.content
    conversation = make_conversation("order_5")
    say("order_5", "alice", "Hi")
    time_machine.move_to(timezone.now(), tick=False)
    requests_before = len(requests_to(httpserver, "/hook"))

    with transaction.atomic():
        conversation_snooze(conversation=conversation, agent=agent, until=timezone.now() + timedelta(hours=1))
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert conversations_wake_due() == 1

    events = [json_of(r)["data"] for r in requests_to(httpserver, "/hook")][requests_before:]
    snoozed, woken = events
    assert (snoozed["previousStatus"], snoozed["conversation"]["status"]) == ("active", "pending")
    assert snoozed["conversation"]["snooze"]["snoozedBy"] == agent.pk
    assert (woken["previousStatus"], woken["conversation"]["status"], woken["conversation"]["snooze"]) == (
        "pending",
        "active",
        None,
    )
