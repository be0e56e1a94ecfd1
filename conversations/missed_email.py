"""Missed-message email: a customer with an email address who has not seen an agent's message within the account's
delay (default 10 minutes) gets one email per conversation burst, with the messages and a link back.

The address is the customer's own `email` (registered customers, or set through the integration API), else the
`email` their app sent in `userAdditionalInformation`, kept in `profile` (the web widget's pre-chat form sends it
there). That one is what a visitor typed, unverified: it stays out of the `email` column, which is unique per account
and an identifier the integration API finds and refuses customers by."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.template.loader import render_to_string
from django.utils import timezone

from agents.delivery.queue import DeliveryCancelled, DeliveryDraft, DeliveryError, deliveries_create
from agents.models import Delivery
from conversations.models import Conversation, Message, Receipt
from devices.models import Customer, Device

EVENT = "missed_messages"
IN_FLIGHT = (Delivery.Status.PENDING, Delivery.Status.SENDING)


def _reference(conversation_id: int, customer_id: int) -> str:
    return f"conversation:{conversation_id}:customer:{customer_id}"


def customer_email_address(customer: Customer) -> str:
    """Where a missed-message email goes: the customer's email, else the valid address their app told (or "")."""
    if customer.email:
        return customer.email
    told = customer.profile.get("email") if isinstance(customer.profile, dict) else None
    if not isinstance(told, str) or not told.strip() or len(told.strip()) > 254:
        return ""
    try:
        validate_email(told.strip())
    except ValidationError:
        return ""
    return told.strip()


def missed_email_schedule(*, conversation: Conversation, message: Message, customer_ids: list[int]) -> None:
    """After an agent's message, in its transaction: one email check per (customer, conversation) burst.

    A burst is the agent messages that arrive while its check waits; the check, once due, emails those the
    customer has still not seen (or nothing, when all were seen in time).
    """
    minutes = conversation.account.missed_message_email_minutes
    if not minutes:
        return
    recipients = [
        (customer.pk, address)
        for customer in Customer.objects.filter(pk__in=customer_ids).only("pk", "email", "profile")
        if (address := customer_email_address(customer))
    ]
    waiting = set(
        Delivery.objects.filter(
            kind=Delivery.Kind.EMAIL,
            status__in=IN_FLIGHT,
            reference__in=[_reference(conversation.pk, pk) for pk in customer_ids],
        ).values_list("reference", flat=True)
    )
    run_at = timezone.now() + timedelta(minutes=minutes)
    deliveries_create(
        account_id=conversation.account_id,
        drafts=[
            DeliveryDraft(
                kind=Delivery.Kind.EMAIL,
                target=email,
                event_type=EVENT,
                payload={"customer": pk, "conversation": conversation.pk, "since": message.pk},
                reference=reference,
                run_at=run_at,
            )
            for pk, email in recipients
            if (reference := _reference(conversation.pk, pk)) not in waiting
        ],
    )


def send(delivery: Delivery) -> None:
    customer = Customer.objects.select_related("account").filter(pk=delivery.payload["customer"]).first()
    address = customer_email_address(customer) if customer is not None else ""
    if not address:
        raise DeliveryCancelled("The customer or their email address is gone.")
    unseen = list(
        Receipt.objects.filter(
            customer=customer,
            message__conversation_id=delivery.payload["conversation"],
            message_id__gte=delivery.payload["since"],
            type_id=Receipt.TypeId.AGENT,
            status__lt=Receipt.Status.SEEN,
        )
        .select_related("message__author_agent", "message__author_customer")
        .order_by("message_id")
    )
    if not unseen:
        raise DeliveryCancelled("Seen in time: no email.")
    account = customer.account
    context = {
        "account": account,
        "customer": customer,
        "messages": [receipt.message for receipt in unseen],
        "link": account.chat_url or _last_page(customer),
    }
    email = EmailMessage(
        subject=render_to_string("conversations/email/missed_messages_subject.txt", context).strip(),
        body=render_to_string("conversations/email/missed_messages.txt", context),
        to=[address],
        headers={"X-Delivery-Id": str(delivery.event_id)},
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"The mail server refused the address: {error}", retry=False) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from None


def _last_page(customer: Customer) -> str:
    """The page the customer last chatted from (the web SDK's referer), if the account sets no chat URL."""
    return (
        Device.objects.filter(customer=customer)
        .exclude(referrer="")
        .order_by("-last_seen_at")
        .values_list("referrer", flat=True)
        .first()
        or ""
    )
