"""`POST messages` with its caller from the device's cached snapshot (conversations/api/cached_caller.py): no lookup
of the device in the database, and the message still goes to the customer's current conversation, which the post
checks again under the customer's lock (the snapshot may lag it).

These tests run against the cache of the run: local memory locally, Redis (the Lua scripts) in CI."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from conversations import poll_state
from conversations.client_api.cached_caller import cached_caller, snapshot_caller
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
    """A web install in a conversation whose device's snapshot names it: its first post (through the database, before
    the conversation existed) left a snapshot without one; the second read the device again and left this one."""
    web.send("first")
    web.send("second")
    return web


def test_a_post_takes_its_caller_from_the_snapshot_without_reading_the_device(chatting):
    assert device_lookups(chatting, "third") == []


def test_with_the_cache_path_off_a_post_reads_the_device(chatting, settings):
    settings.EMPTY_POLL_FROM_CACHE = False

    assert len(device_lookups(chatting, "third")) == 1


def test_a_post_counts_once_against_the_quota(chatting):
    first = chatting.post("messages", {"message": "one"})
    second = chatting.post("messages", {"message": "two"})

    assert int(second["quota-used"]) == int(first["quota-used"]) + 1


def test_a_post_follows_a_current_conversation_the_snapshot_does_not_know(chatting, account):
    customer = customer_of(chatting)
    before = customer.current_conversation
    started = make_conversation(account=account, customers=[customer])
    # Another writer moves the customer without forgetting the device's snapshot, which still names `before`.
    Customer.objects.filter(pk=customer.pk).update(current_conversation=started)

    assert sent_into(chatting.send("third")) == started
    assert list(Message.objects.filter(conversation=before).values_list("text", flat=True)) == ["first", "second"]


def test_a_post_follows_a_merge_the_snapshot_does_not_know(chatting, account):
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


def test_a_registered_customers_post_needs_the_token_on_the_cache_path_too(client, account):
    app = register(client, "ios-device-0001", token=token_for("customer-7"))
    app.send("hi")
    app.send("it's me")
    assert device_lookups(app, "again") == []  # from the snapshot

    assert_error(app.with_(token=None).post("messages", {"message": "x"}), 400, "device_requires_authorization")
    other = app.with_(token=token_for("customer-8"))
    for _ in range(2):  # the second with the token's customer cached: the snapshot's refusal
        assert_error(other.post("messages", {"message": "x"}), 400, "device_not_registered")
    assert Message.objects.filter(text="x").count() == 0


def test_an_assignment_reaches_the_next_poll_at_once(chatting, agent):
    last = chatting.send("anyone there?")
    assert chatting.get(f"messages/after:{last}").json()["agent"] is None  # answered from the snapshot

    conversation_assign(conversation=customer_of(chatting).current_conversation, assignee=agent)

    assert chatting.get(f"messages/after:{last}").json()["agent"]["name"] == "Sanne"


def test_the_snapshots_caller_is_the_databases(chatting, account):
    found = cached_caller(RequestFactory().post("/", headers=chatting.headers()))
    cached = snapshot_caller(found)
    stored = Device.objects.select_related("customer").get(device_id=chatting.device_id)

    assert (cached.device.pk, cached.device.device_id, cached.device.device_type, cached.device.customer_id) == (
        stored.pk,
        stored.device_id,
        stored.device_type,
        stored.customer_id,
    )
    assert (cached.customer.pk, cached.customer.registered, cached.customer.fk_id) == (
        stored.customer.pk,
        stored.customer.registered,
        stored.customer.fk_id,
    )
    assert cached.customer.current_conversation_id == stored.customer.current_conversation_id


def test_typing_ends_where_it_was_set_when_the_post_goes_elsewhere(chatting, account):
    customer = customer_of(chatting)
    typed_in = customer.current_conversation
    assert chatting.post("services/event/startTyping").status_code == 200
    assert customer_typing_get(conversation_id=typed_in.pk) is not None
    Customer.objects.filter(pk=customer.pk).update(
        current_conversation=make_conversation(account=account, customers=[customer])
    )

    assert sent_into(chatting.send("third")) != typed_in
    assert customer_typing_get(conversation_id=typed_in.pk) is None


def test_a_post_after_its_conversation_was_deleted_goes_to_a_fresh_one(chatting):
    deleted = customer_of(chatting).current_conversation
    Conversation.objects.filter(pk=deleted.pk).delete()  # the snapshot still names it

    fresh = sent_into(chatting.send("still there?"))

    assert fresh.pk != deleted.pk and customer_of(chatting).current_conversation == fresh


@pytest.mark.parametrize("conversation_too", [False, True], ids=["its conversation kept", "its conversation deleted"])
def test_a_post_from_a_deleted_customers_snapshot_is_refused_as_the_database_would(chatting, conversation_too):
    """Deleting the devices forgets their snapshots, but a request that read one before may write it back after
    (the write-back race): the post then finds its author gone under the lock and answers as the database path
    answers for the device, writing nothing."""
    device = Device.objects.select_related("customer").get(device_id=chatting.device_id)
    Customer.objects.filter(pk=device.customer_id).delete()  # with its devices (their snapshots forgotten)
    if conversation_too:
        Conversation.objects.filter(pk=device.customer.current_conversation_id).delete()
    poll_state.snapshot_remember(device=device, assignee=None)  # an earlier request's, written back
    conversations, messages = Conversation.objects.count(), Message.objects.count()

    assert_error(chatting.post("messages", {"message": "anyone?"}), 400, "device_not_registered")
    assert cached_caller(RequestFactory().post("/", headers=chatting.headers())) is None  # the snapshot forgotten
    assert_error(chatting.post("messages", {"message": "anyone?"}), 400, "device_not_registered")  # the database's
    assert (Conversation.objects.count(), Message.objects.count()) == (conversations, messages)
