"""Row locks, always in one order: conversations (pk order), then customers (pk order)."""

from __future__ import annotations

from collections.abc import Iterable

from conversations.models import Conversation
from devices.models import Customer
from messenger_project.errors import ServiceError


def conversation_lock(conversation: Conversation) -> Conversation:
    # `of=("self",)`: FOR UPDATE would otherwise lock the joined account row too, serialising a whole account.
    locked = Conversation.objects.select_for_update(of=("self",)).select_related("account").get(pk=conversation.pk)
    if locked.merged_into_id is not None:
        raise ServiceError("conversation_merged", status_code=404, details={"mergedInto": locked.merged_into_id})
    return locked


def conversations_lock_for_customer(*, customer: Customer) -> None:
    """Lock every conversation the customer takes part in (pk order), before any customer row.

    A customer merge takes these first, so a concurrent message_post (conversation lock, then reading the
    participants) reads the participants only after the merge moved them.
    """
    list(
        Conversation.objects.select_for_update(of=("self",))
        .filter(participants__customer=customer)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def customers_lock(customer_ids: Iterable[int]) -> list[int]:
    """Lock recipient customers in pk order (evaluated now), so concurrent posts serialise per recipient."""
    return list(
        Customer.objects.select_for_update()
        .filter(pk__in=set(customer_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
