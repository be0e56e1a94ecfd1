"""What we hold about one customer (#22, data protection): the shared reads of the export and the erasure.

A customer's data is theirs and that of the anonymous customers merged into them (`merged_from`: those rows keep
only a pointer, but may keep devices or uploads of their own). Their conversations are those they take part in or
wrote in. The deliveries concerning them are the pushes to their devices, the missed-message emails to them, and
the webhook events about them, their conversations, threads or messages.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from agents.models import Delivery
from conversations.models import Conversation, Message, Participant, Thread
from devices.models import Customer, Device

PUSH_KINDS = (
    Delivery.Kind.PUSH_FCM,
    Delivery.Kind.PUSH_APNS,
    Delivery.Kind.PUSH_WEBHOOK,
    Delivery.Kind.PUSH_WEBHOOK_OAUTH,
)


def customer_ids_held(customer: Customer) -> list[int]:
    """The customer and the customers merged into them, in pk order."""
    merged = Customer.objects.filter(merged_into=customer).values_list("pk", flat=True)
    return sorted({customer.pk, *merged})


def customer_conversation_ids(customer_ids: list[int]) -> list[int]:
    """The conversations the customers take part in or wrote in, in pk order."""
    taking_part = Participant.objects.filter(customer_id__in=customer_ids).values_list("conversation_id", flat=True)
    wrote = Message.objects.filter(author_customer_id__in=customer_ids).values_list("conversation_id", flat=True)
    return sorted({*taking_part, *wrote})


def customer_deliveries(
    *, customer: Customer, customer_ids: list[int], conversation_ids: list[int], whole_conversations: bool
) -> QuerySet[Delivery]:
    """The deliveries concerning the customers: pushes to their devices, emails to them, webhook events about them.

    With `whole_conversations`, every webhook event about their conversations (the erasure scrubs them: an event
    about an agent's message carries the conversation and its customer); without, only the events about the
    customers themselves and their own messages (the export: an event about a private note is not theirs); with it
    also the pushes of their messages to the other customers of a shared conversation."""
    device_ids = list(Device.objects.filter(customer_id__in=customer_ids).values_list("device_id", flat=True))
    users = Customer.objects.filter(pk__in=customer_ids).values_list("uuid", flat=True)
    references = [f"user:{uuid}" for uuid in users]
    if whole_conversations:
        messages = Message.objects.filter(conversation_id__in=conversation_ids)
        threads = Thread.objects.filter(conversation_id__in=conversation_ids).values_list("pk", flat=True)
        public_ids = Conversation.objects.filter(pk__in=conversation_ids).values_list("public_id", flat=True)
        references += [f"thread:{pk}" for pk in threads] + [f"conversation:{pid}" for pid in public_ids]
    else:
        messages = Message.objects.filter(author_customer_id__in=customer_ids)
    references += [f"message:{pk}" for pk in messages.values_list("pk", flat=True)]
    emails = [f"conversation:{c}:customer:{pk}" for c in conversation_ids for pk in customer_ids]
    concerning = (
        Q(kind__in=PUSH_KINDS, target__in=device_ids)
        | Q(kind=Delivery.Kind.EMAIL, reference__in=emails)
        | Q(kind=Delivery.Kind.WEBHOOK, reference__in=references)
    )
    if whole_conversations:
        # Their messages pushed to the other customers of a shared conversation (the push carries the text). Not
        # in the export: those rows name the other customers' devices.
        own = Message.objects.filter(author_customer_id__in=customer_ids).values_list("pk", flat=True)
        concerning |= Q(kind__in=PUSH_KINDS, reference__in=[f"message:{pk}" for pk in own])
    return Delivery.objects.filter(concerning, account_id=customer.account_id).order_by("pk")
