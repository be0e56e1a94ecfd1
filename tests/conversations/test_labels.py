"""Labels (#19): an account's own set, made as first used, put on conversations; each agent's change leaves one
private line in the timeline; the desk's filter helper."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from conversations.models import ConversationLabel, Label, Receipt
from conversations.selectors import conversations_with_label, labels_for
from conversations.services import label_add, label_remove, labels_set
from messenger_project.errors import ServiceError
from tests.factories import make_conversation, post

pytestmark = pytest.mark.django_db


def names(conversation) -> list[str]:
    return [label.name for label in conversation.labels.order_by("name")]


def test_add_makes_the_label_once_per_account_whatever_its_case(account, other_account, conversation, agent):
    label_add(conversation=conversation, name="Billing", actor_agent=agent)
    label_add(conversation=conversation, name="  billing ", actor_agent=agent)  # already there: nothing changes
    other = make_conversation(account=account)
    label_add(conversation=other, name="BILLING")

    assert list(labels_for(account=account).values_list("name", flat=True)) == ["Billing"]
    assert names(conversation) == ["Billing"] and names(other) == ["Billing"]
    assert ConversationLabel.objects.get(conversation=conversation).added_by == agent
    assert not labels_for(account=other_account).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.create(account=account, name="bILLing")


def test_each_agent_change_is_one_private_line(conversation, customer, agent):
    post(conversation, customer, "Hi")

    label_add(conversation=conversation, name="vip", actor_agent=agent)
    labels_set(conversation=conversation, names=["refund", "urgent"], actor_agent=agent)
    label_remove(conversation=conversation, name="urgent", actor_agent=agent)
    labels_set(conversation=conversation, names=["refund"], actor_agent=agent)  # no change: no line

    lines = list(conversation.messages.filter(custom__action="labels").order_by("id"))
    assert [line.text for line in lines] == [
        f"{agent.display_name} added the label “vip”",
        f"{agent.display_name} added the labels “refund”, “urgent” and removed the label “vip”",
        f"{agent.display_name} removed the label “urgent”",
    ]
    assert all(line.is_private for line in lines)
    assert not Receipt.objects.filter(message__in=lines).exists()  # the customer never learns their labels
    assert names(conversation) == ["refund"]


def test_api_changes_leave_no_line(conversation, customer):
    post(conversation, customer, "Hi")
    labels_set(conversation=conversation, names=["a", "b"])
    assert not label_remove(conversation=conversation, name="nope")
    assert not conversation.messages.filter(custom__action="labels").exists()
    assert names(conversation) == ["a", "b"]


def test_names_are_checked(conversation):
    for bad in ("", "   ", "x" * 51):
        with pytest.raises(ServiceError) as error:
            label_add(conversation=conversation, name=bad)
        assert error.value.code == "invalid_label"


def test_the_desks_filter(account, conversation, customer):
    other = make_conversation(account=account, customers=[customer])
    label = label_add(conversation=conversation, name="vip")

    assert list(conversations_with_label(account.conversations.all(), label.pk)) == [conversation]
    assert other not in conversations_with_label(account.conversations.all(), label.pk)
