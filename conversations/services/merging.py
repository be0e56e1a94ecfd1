"""Merges: an anonymous customer's history into a registered one, and conversation into conversation."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from conversations.events import Event, conversation_event
from conversations.models import Conversation, Media, Message, Participant, Receipt, Thread
from conversations.poll_state import newest_ids_raise, timeline_changed
from conversations.services.receipts import receipts_complete
from conversations.services.threads import thread_close_open
from devices.models import Customer
from messenger_project.errors import ServiceError

# --- the anonymous → registered merge (history part) -------------------------------------------------------


def customer_history_merge(*, source: Customer, target: Customer) -> None:
    """Move `source`'s conversations, messages, receipts and uploads to `target`, with no duplicate.

    Caller holds both customer locks (conversations.services.customers.customer_merge).
    """
    # Messages `source` wrote in conversations `target` also takes part in become `target`'s own messages.
    for silent, type_id in ((False, Receipt.TypeId.USER), (True, Receipt.TypeId.USER_SYSTEM)):
        Receipt.objects.filter(customer=target, message__author_customer=source, message__is_silent=silent).update(
            type_id=type_id, status=Receipt.Status.SEEN
        )
    shared_conversations = Participant.objects.filter(customer=target).values("conversation_id")
    Participant.objects.filter(customer=source, conversation_id__in=shared_conversations).delete()
    Participant.objects.filter(customer=source).update(customer=target)
    newest = Receipt.objects.filter(customer=source).aggregate(newest=Max("message_id"))["newest"]
    if newest is not None:
        newest_ids_raise({target.pk: newest})
    timeline_changed(customer_ids=[target.pk])
    already_received = Receipt.objects.filter(customer=target).values("message_id")
    Receipt.objects.filter(customer=source, message_id__in=already_received).delete()
    Receipt.objects.filter(customer=source).update(customer=target)
    Message.objects.filter(author_customer=source).update(author_customer=target)
    Conversation.objects.filter(primary_customer=source).update(primary_customer=target)
    Thread.objects.filter(opened_by_customer=source).update(opened_by_customer=target)
    Media.objects.filter(uploaded_by_customer=source).update(uploaded_by_customer=target)


def customer_conversations_delete(*, customer: Customer) -> None:
    """Before a customer is deleted: conversations where they are the only customer go (messages, files);
    in the others their messages stay, without sender. Caller holds the customer lock."""
    conversation_ids = list(Participant.objects.filter(customer=customer).values_list("conversation_id", flat=True))
    shared = set(
        Participant.objects.filter(conversation_id__in=conversation_ids)
        .exclude(customer=customer)
        .values_list("conversation_id", flat=True)
    )
    alone = [pk for pk in conversation_ids if pk not in shared]
    Customer.objects.filter(current_conversation_id__in=alone).update(current_conversation=None)
    Conversation.objects.filter(merged_into_id__in=alone).update(merged_into=None)
    Conversation.objects.filter(pk__in=alone).delete()
    Message.objects.filter(author_customer=customer).update(sender_deleted=True, author_customer=None)


# --- conversation merge (integration API §8.5) ----------------------------------------------------------------

MERGE_MAX_THREADS = 100


def conversation_merge(*, source: Conversation, target: Conversation) -> Conversation:
    """Merge `source` into `target`: threads and messages move with their ids and times, participants combine.

    Idempotent for the same target. Raises ServiceError: same_conversation / target_merged / conversation_merged
    (404) / thread_limit_reached (412, nothing changed).
    """
    if source.pk == target.pk:
        raise ServiceError("same_conversation")
    now = timezone.now()
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Conversation.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        if source.merged_into_id == target.pk:
            return target
        if source.merged_into_id is not None:
            raise ServiceError("conversation_merged", status_code=404)
        if target.merged_into_id is not None:
            raise ServiceError("target_merged")
        if source.threads.count() + target.threads.count() > MERGE_MAX_THREADS:
            raise ServiceError("thread_limit_reached", status_code=412)
        target_open = target.threads.filter(status=Thread.Status.OPEN).exists()
        if target_open:
            thread_close_open(conversation=source, now=now, reason=Thread.CloseReason.MERGED)
        moved_open = source.threads.filter(status=Thread.Status.OPEN).exists()
        Thread.objects.filter(conversation=source).update(conversation=target)
        Message.objects.filter(conversation=source).update(conversation=target)
        source_customers = set(source.participants.values_list("customer_id", flat=True))
        for customer_id in source_customers - set(target.participants.values_list("customer_id", flat=True)):
            Participant.objects.create(conversation=target, customer_id=customer_id)
        receipts_complete(conversation=target)
        if moved_open and not target_open:
            target.status = source.status
            target.snoozed_until, target.snoozed_by_id = source.snoozed_until, source.snoozed_by_id
        target.last_activity_at = max(filter(None, [target.last_activity_at, source.last_activity_at]), default=None)
        target.visible = target.visible or source.visible
        target.save()
        source.merged_into, source.status, source.closed_at = target, Conversation.Status.CLOSED, now
        source.save(update_fields=["merged_into", "status", "closed_at", "updated_at"])
        Customer.objects.filter(current_conversation=source).update(current_conversation=target)
        conversation_event(conversation=target, event=Event.CONVERSATION_MERGED, mergedConversationId=source.public_id)
    return target
