"""The hand-written writes of a posted message (`message_write`, `messenger_project.sql`) and what the participants'
lock reads with it (the open thread, the author's current conversation): they must write what the ORM would, in the
statements they promise."""

from __future__ import annotations

import pytest
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.forms.models import model_to_dict
from django.test.utils import isolate_apps
from django.utils import timezone

from conversations.models import Conversation, Message, Receipt, Thread
from conversations.services.locks import conversation_lock, participants_lock
from conversations.services.message_write import message_write
from devices.models import Customer
from messenger_project import sql
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db

FIELDS = {
    "text": "hello",
    "title": "a title",
    "buttons": [{"title": "yes"}],
    "custom": {"k": "v"},
    "referrer": "https://example.com/page",
    "idempotency_key": "key-1",
}


def _stored(message: Message) -> dict:
    """The row as the database gives it back, but its id."""
    row = model_to_dict(Message.objects.get(pk=message.pk))
    row.pop("id")
    return row


def test_insert_writes_what_save_writes(conversation, customer):
    """Every field, the JSON defaults left to the model included, arrives as `save()` would store it."""
    created_at = timezone.now()
    built = Message(conversation=conversation, author_customer=customer, created_at=created_at, **FIELDS)
    statement = sql.insert(built)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        sql.instance_saved(built, cursor.fetchone()[0])
    saved = Message.objects.create(
        conversation=conversation,
        author_customer=customer,
        created_at=created_at,
        **{**FIELDS, "idempotency_key": "key-2"},
    )

    assert not built._state.adding and built.pk < saved.pk
    assert _stored(built) == {**_stored(saved), "idempotency_key": "key-1"}
    assert _stored(built)["carousel"] == [] and _stored(built)["quick_replies"] == []


def test_update_writes_the_fields_and_auto_now(conversation):
    """`update()` sets just the named fields, `updated_at` by its `auto_now` as `save(update_fields=…)` does."""
    before = Conversation.objects.get(pk=conversation.pk)
    conversation.last_activity_at = timezone.now()
    conversation.subject = "not saved"  # not named: stays as stored
    statement = sql.update(conversation, ["last_activity_at", "updated_at"])
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)

    after = Conversation.objects.get(pk=conversation.pk)
    assert after.last_activity_at == conversation.last_activity_at
    assert after.updated_at > before.updated_at
    assert after.subject == before.subject


def test_insert_rows_writes_several_in_one_statement(conversation, customer):
    message = post(conversation, customer)
    others = [make_customer(account=conversation.account) for _ in range(3)]
    receipts = [Receipt(customer=c, message=message, type_id=Receipt.TypeId.AGENT) for c in others]
    statement = sql.insert_rows(receipts)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)

    stored = Receipt.objects.filter(message=message, customer__in=others).order_by("customer_id")
    assert [(r.customer_id, r.type_id, r.status) for r in stored] == [
        (c.pk, Receipt.TypeId.AGENT, Receipt.Status.AVAILABLE) for c in others
    ]
    assert all(r.updated_at is not None for r in stored)


def test_message_write_is_one_statement_on_postgresql(conversation, customer, django_assert_num_queries):
    """The message, two receipts and the conversation's changes: one statement on PostgreSQL, three elsewhere."""
    other = make_customer(account=conversation.account)
    message = Message(conversation=conversation, author_customer=customer, text="hi", created_at=timezone.now())
    receipts = [
        Receipt(customer=customer, type_id=Receipt.TypeId.USER, status=Receipt.Status.SEEN),
        Receipt(customer=other, type_id=Receipt.TypeId.AGENT),
    ]
    conversation.visible, conversation.last_activity_at = True, timezone.now()

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 3):
        message_write(
            message=message,
            receipts=receipts,
            conversation=conversation,
            conversation_fields=["visible", "last_activity_at", "updated_at"],
        )

    assert Message.objects.get(pk=message.pk).text == "hi"
    assert sorted(Receipt.objects.filter(message=message).values_list("customer_id", "type_id", "status")) == sorted(
        [(customer.pk, Receipt.TypeId.USER, Receipt.Status.SEEN), (other.pk, Receipt.TypeId.AGENT, 2)]
    )
    assert all(r.message_id == message.pk for r in receipts)
    assert all(r.updated_at is not None for r in Receipt.objects.filter(message=message))
    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.visible and stored.last_activity_at == conversation.last_activity_at


def test_message_write_without_receipts_or_changes(account):
    """A system line in a conversation with no participants, imported into a visible one: the message alone."""
    conversation = make_conversation(account=account, visible=True)
    message = Message(
        conversation=conversation, author_kind=Message.AuthorKind.SYSTEM, text="x", created_at=timezone.now()
    )

    message_write(message=message, receipts=[], conversation=conversation, conversation_fields=[])

    assert Message.objects.filter(pk=message.pk, conversation=conversation).exists()
    assert not Receipt.objects.filter(message=message).exists()


@pytest.mark.parametrize("participants", [1, 0])
def test_participants_lock_reads_the_open_thread(account, participants):
    """With participants the open thread comes with their rows; without any, from a statement of its own."""
    customers = [make_customer(account=account) for _ in range(participants)]
    conversation = make_conversation(account=account, customers=customers)
    agent = make_agent(account=account)
    post(conversation, agent, "opens a thread")
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

    assert taking_part.ids == [customer.pk] and taking_part.author_takes_part
    assert outside.ids == [customer.pk] and not outside.author_takes_part


def test_an_expression_is_refused_not_sent(conversation):
    """`F()` or `Now()` are the ORM's to compile: a clear error instead of a value the driver cannot adapt."""
    conversation.last_activity_at = Now()
    with pytest.raises(TypeError, match="last_activity_at"):
        sql.update(conversation, ["last_activity_at"])
    message = Message(conversation=conversation, created_at=timezone.now(), referenced_message_id=F("id"))
    with pytest.raises(TypeError, match="referenced_message"):
        sql.insert(message)


@isolate_apps("conversations")
def test_a_model_with_a_database_default_is_left_to_the_orm():
    class Defaulted(models.Model):
        seen = models.BooleanField(db_default=False)

        class Meta:
            app_label = "conversations"

        def __str__(self) -> str:
            return str(self.pk)

    with pytest.raises(TypeError, match="Defaulted"):
        sql.insert_fields(Defaulted)


def test_a_customer_post_takes_its_statements(conversation, customer, django_assert_num_queries):
    """A customer's message in an open conversation: lock the conversation, lock the participants and read the
    open thread, write; on PostgreSQL the writes are one statement (with the savepoint of the test's transaction
    around them: 5 in all), elsewhere three (7)."""
    post(conversation, customer)  # opens the thread and makes the customer's conversation current
    customer.refresh_from_db()

    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 7):
        post(conversation, customer)


def test_an_imported_message_shows_a_hidden_conversation(account, customer):
    conversation = make_conversation(account=account, customers=[customer])
    assert not conversation.visible

    post(conversation, customer, imported=True, created_at=timezone.now())

    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.visible and stored.last_activity_at is None and stored.status == Conversation.Status.CLOSED


def test_participants_lock_reads_the_authors_current_conversation(conversation, customer, account):
    elsewhere = make_conversation(account=account, customers=[customer])
    Customer.objects.filter(pk=customer.pk).update(current_conversation=elsewhere)

    with transaction.atomic():
        participants = participants_lock(conversation=conversation_lock(conversation), author=customer)

    assert participants.ids == [customer.pk]
    assert participants.author_conversation_id == elsewhere.pk
