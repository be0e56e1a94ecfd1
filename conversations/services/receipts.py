"""Receipts: each customer's view of a message and its status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from conversations.live import receipts_live
from conversations.models import Conversation, Receipt
from conversations.poll_state import newest_ids_raise, timeline_changed
from conversations.timeline import TimelineItem
from devices.models import Customer
from messenger_project.errors import ServiceError

# --- receipts ----------------------------------------------------------------------------------------------


def receipts_raise_status(*, customer: Customer, message_ids: Iterable[int], status: int) -> list[int]:
    """Raise the customer's status of the named messages to `status`, never lowering it.

    Ids outside the customer's timeline and the customer's own messages are skipped. Returns the changed ids.
    """
    if status not in Receipt.Status.values:
        raise ServiceError("validation_error")
    with transaction.atomic():
        receipts = Receipt.objects.filter(
            customer=customer, message_id__in=set(message_ids), status__lt=status
        ).exclude(type_id__in=(Receipt.TypeId.USER, Receipt.TypeId.USER_SYSTEM))
        changed = sorted(receipts.values_list("message_id", flat=True))
        if changed:
            Receipt.objects.filter(customer=customer, message_id__in=changed).update(
                status=status, updated_at=timezone.now()
            )
            timeline_changed(customer_ids=[customer.pk])
            receipts_live(customer=customer, message_ids=changed, status=status)
    return changed


def receipts_mark_received(*, customer: Customer, receipts: Sequence[TimelineItem]) -> None:
    """Messages returned to one of the customer's devices become RECEIVED (3) the first time (client API §4.3).

    Updates the given timeline items in memory too. Writes only when they hold an AVAILABLE one.
    """
    fresh = [r for r in receipts if r.status == Receipt.Status.AVAILABLE]
    if not fresh:
        return
    # Two devices of a customer may read the same messages at once: rows locked in message order, and those
    # another read is marking skipped, so that their updates cannot deadlock (one statement).
    unmarked = (
        Receipt.objects.filter(
            customer=customer, message_id__in=[r.message_id for r in fresh], status=Receipt.Status.AVAILABLE
        )
        .order_by("message_id")
        .select_for_update(skip_locked=True)
        .values("pk")
    )
    with transaction.atomic():
        Receipt.objects.filter(pk__in=Subquery(unmarked)).update(
            status=Receipt.Status.RECEIVED, updated_at=timezone.now()
        )
        timeline_changed(customer_ids=[customer.pk])
    for receipt in fresh:
        receipt.status = Receipt.Status.RECEIVED


def receipts_complete(*, conversation: Conversation) -> None:
    """Every participant gets a receipt for every message of the conversation (after a merge combined them), but for
    private ones (agents' notes): no customer ever holds a receipt of those."""
    readers = list(conversation.participants.values_list("customer_id", flat=True))
    have = set(Receipt.objects.filter(message__conversation=conversation).values_list("customer_id", "message_id"))
    missing = []
    for message in conversation.messages.filter(is_private=False).select_related("author_customer", "author_agent"):
        author = message.author_customer or message.author_agent
        for reader_id in readers:
            if (reader_id, message.pk) not in have:
                missing.append(
                    Receipt(
                        customer_id=reader_id,
                        message=message,
                        type_id=Receipt.type_id_for(reader_id=reader_id, author=author, silent=message.is_silent),
                        status=(
                            Receipt.Status.SEEN if message.author_customer_id == reader_id else Receipt.Status.AVAILABLE
                        ),
                    )
                )
    Receipt.objects.bulk_create(missing, ignore_conflicts=True)
    newest: dict[int, int] = {}
    for receipt in missing:
        newest[receipt.customer_id] = max(newest.get(receipt.customer_id, 0), receipt.message_id)
    newest_ids_raise(newest)
    timeline_changed(customer_ids=list(newest))  # older messages joined their pages
