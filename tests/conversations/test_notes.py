"""Private notes (#19) at the service level: no customer ever holds a receipt of one, a merge included."""

from __future__ import annotations

import pytest

from conversations.models import Receipt
from conversations.services import conversation_merge, note_add
from messenger_project.errors import ServiceError
from tests.factories import make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


def test_a_merge_gives_nobody_a_receipt_of_a_note(account, customer, agent):
    other = make_customer(account=account)
    source = make_conversation(account=account, customers=[customer])
    target = make_conversation(account=account, customers=[other])
    post(source, customer, "Hi")
    post(target, other, "Hello")
    note = note_add(conversation=source, agent=agent, text="Same person as in the other chat")

    conversation_merge(source=source, target=target)

    assert not Receipt.objects.filter(message=note).exists()
    assert Receipt.objects.filter(customer=other, message__conversation=target).count() == 2  # the customers' messages


def test_an_empty_note_is_refused(conversation, agent):
    with pytest.raises(ServiceError) as error:
        note_add(conversation=conversation, agent=agent, text=" \r\n ")
    assert error.value.code == "empty_note"
