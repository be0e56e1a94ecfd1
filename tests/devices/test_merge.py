"""Anonymous → registered (seed 000): the anonymous history merges into the registered one, nothing lost or doubled."""

from __future__ import annotations

import pytest

from conversations.models import Message, Participant, Receipt
from conversations.services.customers import customer_merge
from devices.models import Device
from tests.factories import make_conversation, make_customer, post, register_device, timeline_ids

pytestmark = pytest.mark.django_db


def _own_message_receipts(customer, messages) -> list[tuple[int, int, int]]:
    """(message id, typeId, status) of the customer's receipts of `messages`, by message id."""
    return list(
        Receipt.objects.filter(customer=customer, message__in=messages)
        .order_by("message_id")
        .values_list("message_id", "type_id", "status")
    )


def test_registering_an_anonymous_device_merges_its_whole_history(account, agent, registered_customer):
    device = register_device(account=account)
    anonymous = device.customer
    anonymous_conversations = [make_conversation(account=account, customers=[anonymous]) for _ in range(3)]
    registered_conversations = [make_conversation(account=account, customers=[registered_customer]) for _ in range(2)]
    anonymous_messages, registered_messages = [], []
    for n in range(40):  # the ids of the two histories interleave
        anonymous_messages.append(post(anonymous_conversations[n % 3], agent if n % 4 == 0 else anonymous))
        if n % 2:
            registered_messages.append(
                post(registered_conversations[n % 4 // 2], agent if n % 3 == 0 else registered_customer)
            )
    written_by_anonymous = [m for m in anonymous_messages if m.author_customer_id == anonymous.pk]

    register_device(account=account, device_id=device.device_id, as_customer=registered_customer)

    every_id = sorted((m.pk for m in anonymous_messages + registered_messages), reverse=True)
    assert timeline_ids(registered_customer) == every_id
    assert _own_message_receipts(registered_customer, written_by_anonymous) == [
        (m.pk, Receipt.TypeId.USER, Receipt.Status.SEEN) for m in written_by_anonymous
    ]
    anonymous.refresh_from_db()
    assert anonymous.merged_into == registered_customer
    assert Receipt.objects.filter(customer=anonymous).exists() is False
    assert Participant.objects.filter(customer=anonymous).exists() is False
    assert Device.objects.filter(customer=anonymous).exists() is False
    assert Message.objects.filter(author_customer=anonymous).exists() is False
    assert list(Device.objects.filter(customer=registered_customer)) == [device]


def test_a_conversation_both_customers_take_part_in_keeps_one_receipt_per_message(account, agent, registered_customer):
    anonymous = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[anonymous, registered_customer])
    by_anonymous = [post(conversation, anonymous), post(conversation, anonymous, silent=True)]
    by_others = [post(conversation, agent), post(conversation, registered_customer)]

    customer_merge(source=anonymous, target=registered_customer)

    assert timeline_ids(registered_customer) == sorted((m.pk for m in by_anonymous + by_others), reverse=True)
    assert _own_message_receipts(registered_customer, by_anonymous) == [
        (by_anonymous[0].pk, Receipt.TypeId.USER, Receipt.Status.SEEN),
        (by_anonymous[1].pk, Receipt.TypeId.USER_SYSTEM, Receipt.Status.SEEN),
    ]
    assert list(conversation.participants.values_list("customer_id", flat=True)) == [registered_customer.pk]
    assert Receipt.objects.filter(message__conversation=conversation).count() == 4
