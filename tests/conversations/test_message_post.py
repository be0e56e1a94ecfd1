"""The write path of a posted message on the ORM (`message_post`): the locks it takes and what they read (the open
thread, the author's current conversation), the rows it writes, and how many statements a post costs."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from conversations.models import Conversation, Message, Receipt, Thread
from conversations.services.locks import conversation_lock, participants_lock
from devices.models import Customer
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("participants", [1, 0])
def test_participants_lock_reads_the_open_thread(account, participants):
    """With participants the open thread comes with their rows; without any, from a statement of its own."""
    customers = [make_customer(account=account) for _ in range(participants)]
    conversation = make_conversation(account=account, customers=customers)
    post(conversation, make_agent(account=account), "opens a thread")
    open_thread = Thread.objects.get(conversation=conversation, status=Thread.Status.OPEN)

    with transaction.atomic():
        locked = participants_lock(conversation=conversation_lock(conversation))

    assert locked.open_thread_id == open_thread.pk
    assert locked.ids == [c.pk for c in customers]

    Thread.objects.filter(pk=open_thread.pk).update(status=Thread.Status.CLOSED)
    with transaction.atomic():
        assert participants_lock(conversation=conversation_lock(conversation)).open_thread_id is None


def test_participants_lock_says_whether_the_author_takes_part(conversation, customer):
    stranger = make_customer(account=conversation.account)
    with transaction.atomic():
        conversation_lock(conversation)
        taking_part = participants_lock(conversation=conversation, author=customer)
        outside = participants_lock(conversation=conversation, author=stranger)

    assert taking_part.ids == [customer.pk] and taking_part.author_takes_part and taking_part.author_found
    assert outside.ids == [customer.pk] and not outside.author_takes_part and outside.author_found


def test_participants_lock_reads_the_authors_current_conversation(conversation, customer, account):
    elsewhere = make_conversation(account=account, customers=[customer])
    Customer.objects.filter(pk=customer.pk).update(current_conversation=elsewhere)

    with transaction.atomic():
        participants = participants_lock(conversation=conversation_lock(conversation), author=customer)

    assert participants.ids == [customer.pk]
    assert participants.author_conversation_id == elsewhere.pk


def test_participants_lock_does_not_find_a_deleted_author(conversation, customer):
    gone = make_customer(account=conversation.account)
    Customer.objects.filter(pk=gone.pk).delete()

    with transaction.atomic():
        participants = participants_lock(conversation=conversation_lock(conversation), author=gone)

    assert not participants.author_found and participants.ids == [customer.pk]


def test_conversation_lock_reads_the_account_policies(conversation):
    conversation.account.max_threads = 7
    conversation.account.save()

    with transaction.atomic():
        locked = conversation_lock(conversation)

    assert locked.account.max_threads == 7 and locked.status == conversation.status


def test_a_post_writes_the_message_its_receipts_and_the_conversation(account, customer, conversation):
    """Every recipient gets a receipt (the author's own seen); the conversation moves and shows."""
    other = make_customer(account=account)
    conversation.participants.create(customer=other)
    agent = make_agent(account=account)

    message = post(conversation, customer, "hello")

    stored = Message.objects.get(pk=message.pk)
    assert (stored.text, stored.author_customer_id, stored.author_kind) == (
        "hello",
        customer.pk,
        Message.AuthorKind.CUSTOMER,
    )
    assert stored.thread_id == Thread.objects.get(conversation=conversation, status=Thread.Status.OPEN).pk
    receipts = {r.customer_id: (r.type_id, r.status) for r in Receipt.objects.filter(message=message)}
    assert receipts == {
        customer.pk: (Receipt.TypeId.USER, Receipt.Status.SEEN),
        other.pk: (Receipt.type_id_for(reader_id=other.pk, author=customer, silent=False), Receipt.Status.AVAILABLE),
    }
    moved = Conversation.objects.get(pk=conversation.pk)
    assert moved.visible and moved.status == Conversation.Status.ACTIVE and moved.waiting_since is not None

    post(conversation, agent, "an answer")
    assert Conversation.objects.get(pk=conversation.pk).status == Conversation.Status.PENDING
    assert Conversation.objects.get(pk=conversation.pk).waiting_since is None


def test_an_imported_message_shows_a_hidden_conversation(account, customer):
    conversation = make_conversation(account=account, customers=[customer])
    assert not conversation.visible

    post(conversation, customer, imported=True, created_at=timezone.now())

    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.visible and stored.last_activity_at is None and stored.status == Conversation.Status.CLOSED


def test_a_customer_post_takes_its_statements(conversation, customer, django_assert_num_queries):
    """A customer's message in an open conversation: the savepoint of the test's transaction, lock the
    conversation, lock the participants (reading the open thread), insert the message, insert the receipts,
    update the conversation, release the savepoint."""
    post(conversation, customer)  # opens the thread and makes the customer's conversation current
    customer.refresh_from_db()

    with django_assert_num_queries(7):
        post(conversation, customer)
