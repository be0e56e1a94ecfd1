"""Reads of conversations and of a customer's timeline."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from conversations.models import Conversation, Receipt, Thread
from devices.models import Customer

PAGE_SIZE = 50


@dataclass(frozen=True)
class TimelinePage:
    """Receipts (with their messages) newest first, and whether older messages exist before the page."""

    receipts: list[Receipt]
    has_older: bool

    @property
    def message_ids(self) -> list[int]:
        return [r.message_id for r in self.receipts]


# What the client API's message object reads (conversations/api/client_format.py), nothing more: on a poll the
# ORM's work per column is most of the cost.
TIMELINE_FIELDS = (
    "id",
    "customer_id",
    "message_id",
    "type_id",
    "status",
    "message__id",
    "message__created_at",
    "message__text",
    "message__title",
    "message__author_kind",
    "message__is_silent",
    "message__buttons",
    "message__carousel",
    "message__quick_replies",
    "message__custom",
    "message__author_agent_id",
    "message__author_customer_id",
    "message__author_agent__id",
    "message__author_agent__display_name",
    "message__author_agent__avatar",
    "message__author_agent__is_bot",
    "message__author_customer__id",
    "message__author_customer__uuid",
    "message__author_customer__number",
    "message__author_customer__name",
    "message__author_customer__first_name",
    "message__author_customer__last_name",
    "message__author_customer__photo_url",
)


def _timeline(customer: Customer) -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(customer=customer)
        .select_related("message", "message__author_agent", "message__author_customer")
        .only(*TIMELINE_FIELDS)
        .prefetch_related("message__attachments")
    )


def timeline_page(
    *, customer: Customer, before: int | None = None, after: int | None = None, limit: int = PAGE_SIZE
) -> TimelinePage:
    """A page of the customer's timeline, newest first: every message of every conversation they take part in.

    - neither cursor: the `limit` highest ids;
    - `before=X`: the `limit` highest ids below X;
    - `after=X`: the `limit` *lowest* ids above X, so a poller catches up page by page without a gap.
    Walks the unique index (customer_id, message_id) of Receipt.
    """
    if before is not None and after is not None:
        raise ValueError("before and after are exclusive")
    # Step 1, the page's message ids from the index alone; step 2, just those rows with their joins. One query
    # with the joins lets PostgreSQL merge-join along the messages' primary key from the newest message of
    # anyone, which grows with the whole history; this stays O(page). An empty poll stops after step 1.
    index = Receipt.objects.filter(customer=customer).values_list("message_id", flat=True)
    if after is not None:
        ids = list(index.filter(message_id__gt=after).order_by("message_id")[:limit])
        has_older = bool(ids) and index.filter(message_id__lt=ids[0]).exists()
    else:
        if before is not None:
            index = index.filter(message_id__lt=before)
        ids = list(index.order_by("-message_id")[: limit + 1])
        has_older = len(ids) > limit
        ids = ids[:limit]
    page = list(_timeline(customer).filter(message_id__in=ids).order_by("-message_id")) if ids else []
    return TimelinePage(receipts=page, has_older=has_older)


def conversations_for_customer(*, customer: Customer) -> QuerySet[Conversation]:
    return Conversation.objects.filter(participants__customer=customer, merged_into__isnull=True).order_by(
        "-last_activity_at", "-created_at"
    )


def unseen_message_ids(*, customer: Customer) -> list[int]:
    """Agent messages (typeId 2) the customer has not seen, oldest first (client API §5.9). Partial index."""
    return list(
        Receipt.objects.filter(customer=customer, type_id=Receipt.TypeId.AGENT, status__lt=Receipt.Status.SEEN)
        .order_by("message_id")
        .values_list("message_id", flat=True)
    )


def conversations_for_api(*, account) -> QuerySet[Conversation]:
    """Live conversations with what the integration API shows, in a flat number of queries for any page size."""
    open_thread = Thread.objects.filter(conversation=OuterRef("pk"), status=Thread.Status.OPEN).values("pk")[:1]
    return (
        Conversation.objects.filter(account=account, merged_into__isnull=True)
        .select_related("assignee", "primary_customer")
        .prefetch_related("participants__customer")
        .annotate(thread_count=Count("threads", distinct=True), open_thread_id=Subquery(open_thread))
    )


def conversation_final(conversation: Conversation) -> Conversation:
    """Follow a chain of merges (A → B → C) to the live end."""
    seen = {conversation.pk}
    while conversation.merged_into_id is not None and conversation.merged_into_id not in seen:
        conversation = Conversation.objects.get(pk=conversation.merged_into_id)
        seen.add(conversation.pk)
    return conversation
