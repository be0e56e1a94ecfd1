"""Posting, threads, status, assignment and receipts (conversations.services)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Account
from conversations.models import Conversation, Message, Receipt, Thread
from conversations.services import (
    conversation_assign,
    conversation_close,
    conversation_reopen,
    conversation_set_status,
    customer_message_send,
    receipts_raise_status,
)
from conversations.signals import message_posted
from devices.models import Customer
from messenger_project.errors import ServiceError
from tests.factories import make_agent, make_conversation, make_customer, make_imported_thread, post

pytestmark = pytest.mark.django_db


def _rows(conversation: Conversation) -> dict[str, int]:
    return {
        "messages": Message.objects.filter(conversation=conversation).count(),
        "threads": Thread.objects.filter(conversation=conversation).count(),
        "receipts": Receipt.objects.filter(message__conversation=conversation).count(),
    }


def _receipts(message: Message) -> list[tuple[int, int, int]]:
    """(customer id, typeId, status) of each receipt of the message, by customer."""
    return list(message.receipts.order_by("customer_id").values_list("customer_id", "type_id", "status"))


def _session(conversation, customer, agent) -> None:
    """One finished support session: the customer writes (a thread opens), an agent closes it."""
    post(conversation, customer)
    conversation_close(conversation=conversation, by=agent)


@pytest.fixture
def posted_ids():
    """The message ids `message_posted` was sent with, in order."""
    received: list[int] = []

    def receiver(sender, message_id, **kwargs):
        received.append(message_id)

    message_posted.connect(receiver, weak=False)
    yield received
    message_posted.disconnect(receiver)


# --- threads and status ------------------------------------------------------------------------------------


def test_a_customer_message_into_a_closed_conversation_opens_a_new_thread(conversation, customer, agent):
    _session(conversation, customer, agent)

    message = post(conversation, customer)

    conversation.refresh_from_db()
    first, second = conversation.threads.order_by("id")
    assert (first.status, second.status, second.type) == ("closed", "open", "session")
    assert (message.thread, second.opened_by_customer) == (second, customer)
    assert (conversation.status, conversation.visible, conversation.closed_at) == ("active", True, None)
    assert (conversation.last_activity_at, conversation.waiting_since) == (message.created_at, message.created_at)


def test_an_agent_message_into_a_closed_conversation_opens_a_pending_thread(conversation, agent):
    message = post(conversation, agent)

    conversation.refresh_from_db()
    thread = conversation.threads.get()
    assert (thread.status, thread.opened_by_agent, message.thread) == ("open", agent, thread)
    assert (conversation.status, conversation.last_activity_at, conversation.waiting_since) == (
        "pending",
        message.created_at,
        None,
    )


def test_the_thread_limit_refuses_a_new_thread_and_writes_nothing(account, conversation, customer, agent):
    Account.objects.filter(pk=account.pk).update(max_threads=3)
    _session(conversation, customer, agent)
    _session(conversation, customer, agent)

    with pytest.raises(ServiceError) as refused:
        post(conversation, customer)

    assert (refused.value.code, refused.value.status_code) == ("thread_limit_reached", 412)
    assert _rows(conversation) == {"messages": 2, "threads": 2, "receipts": 2}
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"


def test_a_conversation_idle_past_lock_after_days_refuses_a_new_thread(account, conversation, customer, agent):
    Account.objects.filter(pk=account.pk).update(lock_after_days=30)
    _session(conversation, customer, agent)
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=timezone.now() - timedelta(days=31))

    with pytest.raises(ServiceError) as refused:
        post(conversation, customer)

    assert (refused.value.code, refused.value.status_code) == ("conversation_too_old", 412)
    assert _rows(conversation) == {"messages": 1, "threads": 1, "receipts": 1}


def test_an_old_conversation_still_takes_messages_into_its_open_thread(account, conversation, customer):
    Account.objects.filter(pk=account.pk).update(lock_after_days=30)
    thread = post(conversation, customer).thread
    Conversation.objects.filter(pk=conversation.pk).update(last_activity_at=timezone.now() - timedelta(days=31))

    message = post(conversation, customer)

    assert message.thread == thread
    assert _rows(conversation) == {"messages": 2, "threads": 1, "receipts": 2}


def test_posting_to_a_merged_conversation_is_refused(account, conversation, customer):
    survivor = make_conversation(account=account, customers=[customer])
    Conversation.objects.filter(pk=conversation.pk).update(merged_into=survivor)

    with pytest.raises(ServiceError) as refused:
        post(conversation, customer)

    assert (refused.value.code, refused.value.status_code, refused.value.details) == (
        "conversation_merged",
        404,
        {"mergedInto": survivor.pk},
    )
    assert Message.objects.filter(conversation__in=[conversation, survivor]).exists() is False


def test_closing_a_conversation_closes_its_open_thread(conversation, customer, agent):
    thread = post(conversation, customer).thread

    conversation_set_status(conversation=conversation, status="closed", by=agent)

    thread.refresh_from_db()
    conversation.refresh_from_db()
    assert (thread.status, thread.close_reason, thread.closed_by_agent) == ("closed", "agent", agent)
    assert (conversation.status, conversation.closed_at, conversation.waiting_since) == (
        "closed",
        thread.closed_at,
        None,
    )


def test_reopening_a_closed_conversation_opens_a_new_session_thread(conversation, customer, agent):
    _session(conversation, customer, agent)

    conversation_reopen(conversation=conversation, by=agent)

    conversation.refresh_from_db()
    first, second = conversation.threads.order_by("id")
    assert (first.status, second.status, second.type, second.opened_by_agent) == ("closed", "open", "session", agent)
    assert (conversation.status, conversation.closed_at) == ("active", None)


def test_a_customer_message_into_a_spam_conversation_is_stored_without_reopening(conversation, customer, agent):
    thread = post(conversation, customer).thread
    conversation_set_status(conversation=conversation, status="spam", by=agent)

    message = post(conversation, customer)

    thread.refresh_from_db()
    assert (message.thread, thread.status, thread.close_reason) == (thread, "closed", "spam")
    assert _rows(conversation) == {"messages": 2, "threads": 1, "receipts": 2}
    assert Conversation.objects.get(pk=conversation.pk).status == "spam"


def test_an_imported_message_without_a_thread_leaves_the_conversation_closed(conversation, customer):
    # Imported content never touches the open thread or the status (integration API §3.5).
    message = post(conversation, customer, imported=True, origin=Message.Origin.IMPORT)

    conversation.refresh_from_db()
    assert conversation.status == "closed"
    assert conversation.threads.filter(status=Thread.Status.OPEN).exists() is False
    assert message.imported is True


def test_a_system_message_is_info_for_everyone_and_opens_no_thread(conversation, customer):
    message = post(conversation, None)

    assert (message.type, message.author_kind, message.thread) == ("SystemMessage", "system", None)
    assert _receipts(message) == [(customer.pk, Receipt.TypeId.INFO, Receipt.Status.AVAILABLE)]
    assert conversation.threads.exists() is False
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"


# --- receipts written by posting ---------------------------------------------------------------------------


def test_an_agent_message_gives_every_customer_participant_one_receipt(account, agent):
    customers = [make_customer(account=account) for _ in range(3)]
    conversation = make_conversation(account=account, customers=customers)

    message = post(conversation, agent)

    assert _receipts(message) == [(c.pk, Receipt.TypeId.AGENT, Receipt.Status.AVAILABLE) for c in customers]


def test_the_author_sees_their_own_message_as_a_seen_user_message(account, customer):
    other = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer, other])

    message = post(conversation, customer)

    assert _receipts(message) == [
        (customer.pk, Receipt.TypeId.USER, Receipt.Status.SEEN),
        (other.pk, Receipt.TypeId.AGENT, Receipt.Status.AVAILABLE),
    ]


def test_a_silent_message_is_type_4_for_its_author_and_5_for_the_others(account, customer):
    other = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer, other])

    message = post(conversation, customer, silent=True)

    assert _receipts(message) == [
        (customer.pk, Receipt.TypeId.USER_SYSTEM, Receipt.Status.SEEN),
        (other.pk, Receipt.TypeId.AGENT_SYSTEM, Receipt.Status.AVAILABLE),
    ]


# --- assignment --------------------------------------------------------------------------------------------


def test_a_conversation_is_assigned_to_an_agent_of_its_account(conversation, bot):
    conversation_assign(conversation=conversation, assignee=bot)

    assert Conversation.objects.get(pk=conversation.pk).assignee == bot


def test_assigning_an_agent_of_another_account_is_refused(conversation, other_account):
    stranger = make_agent(account=other_account)

    with pytest.raises(ServiceError) as refused:
        conversation_assign(conversation=conversation, assignee=stranger)

    assert refused.value.code == "not_staff"
    assert Conversation.objects.get(pk=conversation.pk).assignee is None


# --- receipts_raise_status ---------------------------------------------------------------------------------


def test_receipts_raise_status_raises_available_to_seen(conversation, customer, agent):
    message = post(conversation, agent)

    changed = receipts_raise_status(customer=customer, message_ids=[message.pk], status=Receipt.Status.SEEN)

    assert changed == [message.pk]
    assert _receipts(message) == [(customer.pk, Receipt.TypeId.AGENT, Receipt.Status.SEEN)]


def test_receipts_raise_status_never_lowers_a_status(conversation, customer, agent):
    seen, fresh = post(conversation, agent), post(conversation, agent)
    receipts_raise_status(customer=customer, message_ids=[seen.pk], status=Receipt.Status.SEEN)

    changed = receipts_raise_status(customer=customer, message_ids=[seen.pk, fresh.pk], status=Receipt.Status.RECEIVED)

    assert changed == [fresh.pk]
    assert [_receipts(seen)[0][2], _receipts(fresh)[0][2]] == [Receipt.Status.SEEN, Receipt.Status.RECEIVED]


def test_receipts_raise_status_skips_own_messages_and_other_customers_messages(account, conversation, customer, agent):
    own = post(conversation, customer)
    stranger = make_customer(account=account)
    elsewhere = post(make_conversation(account=account, customers=[stranger]), agent)

    changed = receipts_raise_status(customer=customer, message_ids=[own.pk, elsewhere.pk], status=Receipt.Status.SEEN)

    assert changed == []
    assert _receipts(own) == [(customer.pk, Receipt.TypeId.USER, Receipt.Status.SEEN)]
    assert _receipts(elsewhere) == [(stranger.pk, Receipt.TypeId.AGENT, Receipt.Status.AVAILABLE)]


# --- the message_posted signal -----------------------------------------------------------------------------


def test_message_posted_is_sent_once_the_message_is_committed(
    conversation, customer, posted_ids, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = post(conversation, customer)
        sent_before_commit = list(posted_ids)

    assert (sent_before_commit, posted_ids) == ([], [message.pk])


def test_message_posted_is_not_sent_for_an_imported_message(
    conversation, customer, posted_ids, django_capture_on_commit_callbacks
):
    thread = make_imported_thread(conversation=conversation)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(conversation, customer, thread=thread, imported=True, origin=Message.Origin.IMPORT)

    assert (posted_ids, callbacks) == ([], [])
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"


@pytest.mark.parametrize("current", [False, True], ids=["no current conversation", "a current conversation"])
def test_a_customer_deleted_since_their_caller_was_read_gets_no_message_nor_conversation(account, current):
    """A request's customer may be deleted before its post: nothing is written for them (no fresh conversation whose
    participant would break a foreign key at the commit), and the caller learns they are gone."""
    customer = make_customer(account=account)
    if current:
        customer.current_conversation = make_conversation(account=account, customers=[customer])
        customer.save(update_fields=["current_conversation"])
    stale = Customer.objects.get(pk=customer.pk)  # as the request read it
    Customer.objects.filter(pk=customer.pk).delete()
    conversations = Conversation.objects.count()

    with pytest.raises(Customer.DoesNotExist):
        customer_message_send(customer=stale, text="still here?")
    assert (Conversation.objects.count(), Message.objects.count()) == (conversations, 0)
