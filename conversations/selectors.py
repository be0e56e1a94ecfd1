"""Reads of conversations (a customer's timeline: `conversations.timeline`)."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery

from conversations.models import CannedReply, Conversation, Label, Receipt, SatisfactionRating, Thread
from devices.models import Customer


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
    # The newest answered satisfaction rating (#20), one column per subquery: no query per row.
    rated = SatisfactionRating.objects.filter(conversation=OuterRef("pk"), answered_at__isnull=False).order_by(
        "-answered_at", "-pk"
    )
    return (
        Conversation.objects.filter(account=account, merged_into__isnull=True)
        .select_related("assignee", "primary_customer")
        .prefetch_related("participants__customer", "labels")
        .annotate(thread_count=Count("threads", distinct=True), open_thread_id=Subquery(open_thread))
        .annotate(
            satisfaction_rating=Subquery(rated.values("rating")[:1]),
            satisfaction_comment=Subquery(rated.values("comment")[:1]),
            satisfaction_answered_at=Subquery(rated.values("answered_at")[:1]),
        )
    )


def conversation_final(conversation: Conversation) -> Conversation:
    """Follow a chain of merges (A → B → C) to the live end."""
    seen = {conversation.pk}
    while conversation.merged_into_id is not None and conversation.merged_into_id not in seen:
        conversation = Conversation.objects.get(pk=conversation.merged_into_id)
        seen.add(conversation.pk)
    return conversation


def labels_for(*, account) -> QuerySet[Label]:
    """The account's labels, by name."""
    return Label.objects.filter(account=account).order_by("name", "pk")


def conversations_with_label(queryset: QuerySet[Conversation], label_id: int) -> QuerySet[Conversation]:
    """Those of `queryset` that carry the label (the desk's and the API's filter)."""
    return queryset.filter(conversationlabel__label_id=label_id)


def conversations_with_label_named(queryset: QuerySet[Conversation], *, account, name: str) -> QuerySet[Conversation]:
    """Those of `queryset` that carry the account's label of that name (whatever its case); none if it has none."""
    label_id = Label.objects.filter(account=account, name__iexact=" ".join(name.split())).values_list("pk", flat=True)
    return queryset.filter(conversationlabel__label_id__in=label_id)


def canned_replies_for(*, account) -> list[CannedReply]:
    """The account's canned replies, by shortcut."""
    return list(CannedReply.objects.filter(account=account).order_by("shortcut", "pk"))
