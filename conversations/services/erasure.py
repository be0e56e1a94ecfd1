"""Erase a customer (#22, data protection): nothing of them stays readable, the conversations keep their shape.

One transaction, locks as every service takes them (conversations in pk order, then customers in pk order):
- the profile is blanked (names, emails, phones, custom fields, profile, photo, the agents' note, the operator's
  ids), `registered` cleared; the row stays, named ERASED_NAME, so that messages, threads and ratings keep their
  author;
- their devices are deleted: their device ids and push tokens are gone, and a client calling with one is refused
  (`device_not_registered`); a registered-user token naming their old id finds nobody (a new registration makes a
  new, empty customer);
- their messages keep their rows, threads and times, their text becomes ERASED_TEXT, and their title, buttons,
  carousel, quick replies, custom data (links, locations), referrer and idempotency key are cleared; their
  attachments and uploads are deleted (the rows now, the files after the commit, so a rollback keeps them);
- the comments of their satisfaction ratings are cleared, in the desk's line quoting them too (the score stays: it
  is the company's figure);
- the deliveries concerning them (`customer_data.customer_deliveries`, every webhook event about their
  conversations) lose their payload; those not sent yet are cancelled;
- the agents' messages and notes, the threads, the conversations and their counts stay.
The same applies to the anonymous customers merged into them. The audit entry names who, when and the customer's
id, nothing of the erased data.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from agents.models import Delivery, User
from agents.services import audit_changes_erase, audit_record
from conversations.customer_data import customer_conversation_ids, customer_deliveries, customer_ids_held
from conversations.live import conversation_live
from conversations.models import Conversation, Media, Message, Participant, SatisfactionRating
from conversations.poll_state import timeline_changed
from devices.models import Customer, Device

ERASED_TEXT = "[erased]"
ERASED_NAME = "[erased]"
ERASED_TARGET = "[erased]"
ERASED_PAYLOAD = {"erased": True}
IN_FLIGHT = (Delivery.Status.PENDING, Delivery.Status.SENDING)
BLANK_PROFILE = {
    "fk_id": None,
    "fk_user_id": "",
    "registered": False,
    "first_name": "",
    "last_name": "",
    "name": "",
    "email": "",
    "phone": "",
    "extra_emails": [],
    "extra_phones": [],
    "context": "",
    "source": "",
    "photo_url": "",
    "role": "",
    "locale": "",
    "welcome_message": "",
    "custom_data": {},
    "profile": {},
    "note": "",
}
BLANK_MESSAGE = {
    "text": ERASED_TEXT,
    "title": "",
    "buttons": [],
    "carousel": [],
    "quick_replies": [],
    "custom": {},
    "referrer": "",
    "idempotency_key": None,
}


def customer_erase(*, customer: Customer, actor: User | None, by: str = "") -> Customer:
    """Erase the customer (see the module); returns it, blanked. Idempotent: erasing again changes nothing more."""
    with transaction.atomic():
        customer_ids = customer_ids_held(customer)
        conversation_ids = customer_conversation_ids(customer_ids)
        # Locks in the house's order: the conversations, then the customers, each in pk order.
        list(
            Conversation.objects.select_for_update(of=("self",))
            .filter(pk__in=conversation_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = list(Customer.objects.select_for_update().filter(pk__in=customer_ids).order_by("pk"))
        customer = next(row for row in locked if row.pk == customer.pk)

        deliveries = list(
            customer_deliveries(
                customer=customer,
                customer_ids=customer_ids,
                conversation_ids=conversation_ids,
                whole_conversations=True,
            ).values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=deliveries, status__in=IN_FLIGHT).update(
            status=Delivery.Status.CANCELLED, last_error="The customer was erased.", locked_until=None
        )
        Delivery.objects.filter(pk__in=deliveries).update(payload=ERASED_PAYLOAD)
        Delivery.objects.filter(pk__in=deliveries).exclude(kind=Delivery.Kind.WEBHOOK).update(target=ERASED_TARGET)

        # Their files follow the rows after the commit (conversations.media.media_files_release).
        Media.objects.filter(
            Q(message__author_customer_id__in=customer_ids) | Q(uploaded_by_customer_id__in=customer_ids)
        ).delete()
        Message.objects.filter(author_customer_id__in=customer_ids).update(**BLANK_MESSAGE)
        _rating_comments_erase(customer_ids)

        # Each device's delete forgets its cached poll snapshot and ends its open stream (conversations.receivers).
        for device in Device.objects.filter(customer_id__in=customer_ids).order_by("pk"):
            device.delete()
        Customer.objects.filter(pk__in=customer_ids).update(**BLANK_PROFILE)
        Customer.objects.filter(pk=customer.pk).update(name=ERASED_NAME)

        # Cached timeline pages of everyone in these conversations showed the old texts: renewed after the commit.
        readers = Participant.objects.filter(conversation_id__in=conversation_ids).values_list("customer_id", flat=True)
        timeline_changed(customer_ids=sorted({*readers, *customer_ids}))
        for conversation in Conversation.objects.filter(pk__in=conversation_ids).order_by("pk"):
            conversation_live(conversation=conversation, event="customer.erased")
        target = f"customer {customer.uuid}" + (f" ({by})" if by else "")
        # The audit log keeps who changed which of their fields, not the values (old emails, names…).
        audit_changes_erase(account=customer.account, targets=[f"customer {row.uuid}" for row in locked])
        audit_record(actor=actor, action="erase customer", account=customer.account, target=target)
    customer.refresh_from_db()
    return customer


def _rating_comments_erase(customer_ids: list[int]) -> None:
    """The comments of their ratings, and the desk's private line that quotes each ("Rated 4/5: comment")."""
    rated = SatisfactionRating.objects.filter(customer_id__in=customer_ids).exclude(comment="")
    for rating in rated.order_by("pk"):
        Message.objects.filter(  # by thread only: a merge moves threads (and this line) to another conversation
            thread_id=rating.thread_id,
            author_kind=Message.AuthorKind.SYSTEM,
            is_private=True,
            custom__action="satisfaction",
            text=f"Rated {rating.rating}/5: {rating.comment}",
        ).update(text=f"Rated {rating.rating}/5: {ERASED_TEXT}")
    rated.update(comment="")
