"""A customer joining or leaving a conversation by hand (TalkJS's participation calls): the upsert only ever adds."""

from __future__ import annotations

from django.db import transaction

from conversations.events import Event, conversation_event
from conversations.models import Conversation, Participant
from conversations.services.batches import MAX_PARTICIPANTS
from conversations.services.locks import conversation_lock
from conversations.services.posting import participant_add
from devices.models import Customer
from messenger_project.errors import ServiceError


def participant_join(*, conversation: Conversation, customer: Customer, access: str, notify: bool) -> bool:
    """Add `customer` (or set their `access` and `notify` when they take part already). Returns whether anything
    changed; a change fires `conversation.updated`."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        participant = Participant.objects.filter(conversation=conversation, customer=customer).first()
        if participant is None:
            if conversation.participants.count() >= MAX_PARTICIPANTS:
                raise ServiceError("too_many_participants", message=f"A conversation has at most {MAX_PARTICIPANTS}.")
            participant = participant_add(conversation=conversation, customer=customer)
            changed = True
        else:
            changed = False
        if (participant.access, participant.notify) != (access, notify):
            Participant.objects.filter(pk=participant.pk).update(access=access, notify=notify)
            changed = True
        if changed:
            conversation_event(conversation=conversation, event=Event.CONVERSATION_UPDATED)
    return changed


def participant_leave(*, conversation: Conversation, customer: Customer) -> bool:
    """Remove `customer`: they keep the messages they already have, and get no new ones; when they were the
    primary customer, the longest-standing other participant becomes it. Returns whether they took part."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        removed, _ = Participant.objects.filter(conversation=conversation, customer=customer).delete()
        if not removed:
            return False
        if conversation.primary_customer_id == customer.pk:
            successor = (
                conversation.participants.order_by("joined_at", "pk").values_list("customer_id", flat=True).first()
            )
            Conversation.objects.filter(pk=conversation.pk).update(primary_customer_id=successor)
        # The app of someone who left starts a new conversation when they next write, rather than rejoining this one.
        Customer.objects.filter(pk=customer.pk, current_conversation=conversation).update(current_conversation=None)
        conversation_event(conversation=conversation, event=Event.CONVERSATION_UPDATED)
    return True
