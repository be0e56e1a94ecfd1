"""Row locks, always in one order: conversations (pk order), then customers (pk order)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery

from conversations.models import Conversation, Participant, Thread
from devices.models import Customer
from messenger_project.errors import ServiceError


def conversation_lock(conversation: Conversation) -> Conversation:
    """The conversation, locked and read again, with its account and the id of its open thread (`open_thread_id`)."""
    # `of=("self",)`: FOR UPDATE would otherwise lock the joined account row too, serialising a whole account.
    open_thread = Thread.objects.filter(conversation=OuterRef("pk"), status=Thread.Status.OPEN).values("pk")[:1]
    locked = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("account")  # read again: its policies (thread limit, lock) decide under the lock
        .annotate(open_thread_id=Subquery(open_thread))
        .get(pk=conversation.pk)
    )
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


def participants_lock(*, conversation: Conversation, author: Customer | None = None) -> tuple[list[int], bool]:
    """Lock the customers taking part in the conversation, and `author`, in pk order: one statement.

    Returns the participants' ids and whether `author` is one of them. Caller holds the conversation lock, so the
    participants cannot change meanwhile."""
    takes_part = Participant.objects.filter(conversation=conversation)
    rows = (
        Customer.objects.select_for_update(of=("self",))
        .filter(Q(pk__in=takes_part.values("customer_id")) | Q(pk=author.pk if author else None))
        .annotate(participant=Exists(takes_part.filter(customer=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "participant")
    )
    participants, author_takes_part = [], False
    for pk, participant in rows:
        if participant:
            participants.append(pk)
            author_takes_part = author_takes_part or (author is not None and pk == author.pk)
    return participants, author_takes_part
