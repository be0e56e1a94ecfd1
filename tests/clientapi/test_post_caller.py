"""`POST messages` reads its caller from the database, whatever the device's cached snapshot (which serves polls
only) says; the message goes to the customer's current conversation, which the post checks again under the
customer's lock (another writer may move it after the caller was read).

These tests run against the cache of the run: local memory locally, Redis (the Lua scripts) in CI."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from conversations import poll_state
from conversations.client_api import base
from conversations.client_api.cached_timeline import cached_caller
from conversations.models import Conversation, Message
from conversations.services import conversation_assign, conversation_merge
from conversations.typing import customer_typing_get
from devices.models import Customer, Device
from tests.clientapi.helpers import App, assert_error, customer_of, register, token_for
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db


def sent_into(message_id: int) -> Conversation:
    return Message.objects.get(pk=message_id).conversation


def device_lookups(app: App, text: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        app.send(text)
    return [q["sql"] for q in captured if "devices_device" in q["sql"]]


@pytest.fixture
def chatting(web) -> App:
    """A web install in a conversation, with a poll's snapshot of its device in the cache."""
    web.send("first")
    last = web.send("second")
    web.get(f"messages/after:{last}")
    return web


def test_a_post_reads_the_device_from_the_database_though_a_snapshot_is_cached(chatting):
    assert cached_caller(RequestFactory().get("/", headers=chatting.headers())) is not None  # a poll would use it

    lookups = device_lookups(chatting, "third")

    assert len(lookups) == 1
    assert "conversations_conversation" not in lookups[0]  # read under the post's lock, not with the caller


def test_a_post_leaves_the_snapshot_to_the_polls(chatting):
    """Snapshots come from polls (a round trip fewer for a post)."""
    device = Device.objects.get(device_id=chatting.device_id)
    poll_state.snapshots_forget(account_id=device.account_id, device_ids=[device.device_id])

    chatting.send("third")

    assert cached_caller(RequestFactory().get("/", headers=chatting.headers())) is None


def test_a_post_counts_once_against_the_quota(chatting):
    first = chatting.post("messages", {"message": "one"})
    second = chatting.post("messages", {"message": "two"})

    assert int(second["quota-used"]) == int(first["quota-used"]) + 1


def test_a_post_follows_the_current_conversation_the_database_names(chatting, account):
    customer = customer_of(chatting)
    before = customer.current_conversation
    started = make_conversation(account=account, customers=[customer])
    # Another writer moves the customer without forgetting the device's snapshot, which still names `before`.
    Customer.objects.filter(pk=customer.pk).update(current_conversation=started)

    assert sent_into(chatting.send("third")) == started
    assert list(Message.objects.filter(conversation=before).values_list("text", flat=True)) == ["first", "second"]


def test_a_post_follows_a_merge(chatting, account):
    customer = customer_of(chatting)
    source = customer.current_conversation
    target = make_conversation(account=account, customers=[customer])
    conversation_merge(source=source, target=target)  # the customer's current conversation becomes the target
    conversations = Conversation.objects.count()

    assert sent_into(chatting.send("after the merge")) == target
    assert Conversation.objects.count() == conversations  # not a fresh one, as for a merged current conversation


def test_a_post_leaves_for_a_fresh_conversation_when_the_customer_has_none_any_more(chatting):
    customer = customer_of(chatting)
    before = customer.current_conversation
    Customer.objects.filter(pk=customer.pk).update(current_conversation=None)

    fresh = sent_into(chatting.send("hello again"))

    assert fresh != before
    assert customer_of(chatting).current_conversation == fresh


def test_a_registered_customers_post_needs_the_token_with_a_snapshot_cached(client, account):
    app = register(client, "ios-device-0001", token=token_for("customer-7"))
    app.send("hi")
    last = app.send("it's me")
    app.get(f"messages/after:{last}")  # the poll leaves a snapshot

    assert_error(app.with_(token=None).post("messages", {"message": "x"}), 400, "device_requires_authorization")
    other = app.with_(token=token_for("customer-8"))
    for _ in range(2):  # the second with the token's customer cached
        assert_error(other.post("messages", {"message": "x"}), 400, "device_not_registered")
    assert Message.objects.filter(text="x").count() == 0


def test_an_assignment_reaches_the_next_poll_at_once(chatting, agent):
    last = chatting.send("anyone there?")
    assert chatting.get(f"messages/after:{last}").json()["agent"] is None  # answered from the snapshot

    conversation_assign(conversation=customer_of(chatting).current_conversation, assignee=agent)

    assert chatting.get(f"messages/after:{last}").json()["agent"]["name"] == "Sanne"


def test_typing_ends_where_it_was_set_when_the_post_goes_elsewhere(chatting, account):
    customer = customer_of(chatting)
    typed_in = customer.current_conversation
    assert chatting.post("services/event/startTyping").status_code == 200
    assert customer_typing_get(conversation_id=typed_in.pk) is not None
    # Merged elsewhere without the customer being moved: the post leaves for a fresh conversation.
    Conversation.objects.filter(pk=typed_in.pk).update(merged_into=make_conversation(account=account))

    assert sent_into(chatting.send("third")) != typed_in
    assert customer_typing_get(conversation_id=typed_in.pk) is None


def test_a_post_after_its_conversation_was_deleted_goes_to_a_fresh_one(chatting):
    deleted = customer_of(chatting).current_conversation
    Conversation.objects.filter(pk=deleted.pk).delete()

    fresh = sent_into(chatting.send("still there?"))

    assert fresh.pk != deleted.pk and customer_of(chatting).current_conversation == fresh


@pytest.mark.parametrize("conversation_too", [False, True], ids=["its conversation kept", "its conversation deleted"])
def test_a_post_of_a_customer_deleted_after_the_caller_was_read_is_refused(chatting, monkeypatch, conversation_too):
    """The customer is deleted between the caller's lookup and the post's locks (another request's delete): the
    post finds its author missing under the lock and answers as the lookup would, writing nothing."""
    identify = base.caller_identify
    left = {}

    def identify_then_delete(**kwargs):
        caller = identify(**kwargs)
        if conversation_too:
            Conversation.objects.filter(pk=caller.customer.current_conversation_id).delete()
        Customer.objects.filter(pk=caller.customer.pk).delete()  # with its devices and messages
        left["rows"] = (Conversation.objects.count(), Message.objects.count())
        return caller

    monkeypatch.setattr(base, "caller_identify", identify_then_delete)

    assert_error(chatting.post("messages", {"message": "anyone?"}), 400, "device_not_registered")
    assert (Conversation.objects.count(), Message.objects.count()) == left["rows"]  # nothing written
    monkeypatch.undo()
    assert_error(chatting.post("messages", {"message": "anyone?"}), 400, "device_not_registered")  # the lookup's


def test_a_post_is_pinned_in_statements(chatting, django_assert_max_num_queries):
    """`POST messages` end to end: the caller's lookup (from the database), then the post's transaction (a
    savepoint pair inside the test's): the conversation's and the participants' locks, the message, its receipts,
    the conversation's update."""
    with django_assert_max_num_queries(8):
        chatting.send("third")
