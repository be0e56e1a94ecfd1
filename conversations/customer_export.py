"""Export everything held about a customer (#22, data protection): one ZIP of `export.json` and `media/<name>`.

What is in it, and what is not (docs/data-protection.md):
- the profile as stored (names, emails, phones, custom fields, the profile, the agents' note about them, the
  operator's ids), and the anonymous customers merged into them (`merges`);
- their devices as stored, push tokens included: it is their own data, and the export goes to them or to the
  operator acting for them;
- the messages of their conversations as their timeline holds them (those they received, and their own): the
  agents', the system's and theirs, with buttons, custom data and attachments (whose bytes are read through the
  storage API, so a remote storage works as the local disk does).
  **Private notes are left out**: they are the company's internal data, never shown to the customer;
- their receipts (what reached them, what they saw), their satisfaction ratings, their uploads not (yet) used in a
  message, and the deliveries concerning them (pushes to their devices, emails to them, webhook events about them
  and their messages) with the payloads sent.

Each export is audited (who, which customer), never what it held.
"""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from datetime import datetime
from typing import IO, Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agents.models import User
from agents.services import audit_record
from conversations.customer_data import customer_conversation_ids, customer_deliveries, customer_ids_held
from conversations.media import media_content
from conversations.models import Conversation, Media, Message, Receipt, SatisfactionRating
from devices.models import Customer, Device

EXPORT_FORMAT = "secure-messenger/customer-export/1"
# A ZIP up to this size stays in memory, a bigger one spills to a temporary file.
IN_MEMORY_BYTES = 16 * 1024 * 1024
PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "extra_emails",
    "extra_phones",
    "context",
    "source",
    "photo_url",
    "role",
    "locale",
    "welcome_message",
    "custom_data",
    "profile",
    "note",
]
DEVICE_FIELDS = [
    "device_id",
    "push_token",
    "push_enabled",
    "sdk_version",
    "referrer",
    "additional_information",
]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": str(customer.uuid),
        "number": customer.number,
        "registered": customer.registered,
        "fkId": customer.fk_id,
        "fkUserId": customer.fk_user_id,
        **{name: getattr(customer, name) for name in PROFILE_FIELDS},
        "createdAt": _iso(customer.created_at),
        "updatedAt": _iso(customer.updated_at),
    }


def _device(device: Device) -> dict[str, Any]:
    return {
        **{name: getattr(device, name) for name in DEVICE_FIELDS},
        "customer": str(device.customer.uuid),
        "pushType": device.get_push_type_display() if device.push_type else None,
        "deviceType": device.get_device_type_display() if device.device_type else None,
        "pushUnregisteredAt": _iso(device.push_unregistered_at),
        "createdAt": _iso(device.created_at),
        "lastSeenAt": _iso(device.last_seen_at),
    }


def media_archive_name(media: Media) -> str:
    """`media/<uuid>-<the name shown to people, made safe>`: unique, and readable once unpacked."""
    shown = media.original_name or media.file.name.rsplit("/", 1)[-1]
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", shown).strip("._") or "file"
    return f"media/{media.uuid}-{safe[:100]}"


def _media(media: Media) -> dict[str, Any]:
    return {
        "id": str(media.uuid),
        "file": media_archive_name(media),
        "name": media.original_name,
        "mimeType": media.mime_type,
        "size": media.size,
        "createdAt": _iso(media.created_at),
    }


def _author(message: Message, customer_ids: list[int]) -> dict[str, Any]:
    if message.author_kind == Message.AuthorKind.CUSTOMER:
        own = message.author_customer_id in customer_ids
        return {"kind": "customer", "you": own}
    if message.author_kind == Message.AuthorKind.AGENT and message.author_agent is not None:
        return {"kind": "agent", "name": message.author_agent.display_name}
    return {"kind": message.author_kind}


def _message(message: Message, customer_ids: list[int]) -> dict[str, Any]:
    return {
        "id": message.pk,
        "thread": message.thread_id,
        "createdAt": _iso(message.created_at),
        "author": _author(message, customer_ids),
        "type": message.type,
        "text": message.text,
        "title": message.title,
        "buttons": message.buttons,
        "carousel": message.carousel,
        "quickReplies": message.quick_replies,
        "custom": message.custom,
        "referrer": message.referrer,
        "attachments": [_media(media) for media in message.attachments.all()],
    }


def _conversation(conversation: Conversation, messages: list[Message], customer_ids: list[int]) -> dict[str, Any]:
    return {
        "id": conversation.public_id,
        "subject": conversation.subject,
        "status": conversation.public_status,
        "createdAt": _iso(conversation.created_at),
        "closedAt": _iso(conversation.closed_at),
        "threads": [
            {
                "id": thread.pk,
                "status": thread.status,
                "createdAt": _iso(thread.created_at),
                "closedAt": _iso(thread.closed_at),
            }
            for thread in conversation.threads.all()
        ],
        "messages": [_message(message, customer_ids) for message in messages],
    }


def customer_export_data(*, customer: Customer) -> tuple[dict[str, Any], list[Media]]:
    """The export's JSON document and the media whose bytes go beside it."""
    customer_ids = customer_ids_held(customer)
    conversation_ids = customer_conversation_ids(customer_ids)
    merged = list(Customer.objects.filter(merged_into=customer).order_by("pk"))
    devices = list(Device.objects.filter(customer_id__in=customer_ids).select_related("customer").order_by("pk"))
    conversations = list(
        Conversation.objects.filter(pk__in=conversation_ids).prefetch_related("threads").order_by("created_at", "pk")
    )
    received = Receipt.objects.filter(message_id=OuterRef("pk"), customer_id__in=customer_ids)
    messages = (
        Message.objects.filter(conversation_id__in=conversation_ids, is_private=False)
        .filter(Q(Exists(received)) | Q(author_customer_id__in=customer_ids))
        .select_related("author_agent")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    by_conversation: dict[int, list[Message]] = {}
    for message in messages:
        by_conversation.setdefault(message.conversation_id, []).append(message)
    uploads = list(Media.objects.filter(uploaded_by_customer_id__in=customer_ids, message__isnull=True).order_by("pk"))
    receipts = Receipt.objects.filter(customer_id__in=customer_ids).order_by("message_id")
    ratings = (
        SatisfactionRating.objects.filter(customer_id__in=customer_ids)
        .select_related("conversation")
        .order_by("asked_at", "pk")
    )
    deliveries = customer_deliveries(
        customer=customer, customer_ids=customer_ids, conversation_ids=conversation_ids, whole_conversations=False
    )
    document = {
        "format": EXPORT_FORMAT,
        "exportedAt": _iso(timezone.now()),
        "account": customer.account.name,
        "customer": _customer(customer),
        "merges": [_customer(source) for source in merged],
        "devices": [_device(device) for device in devices],
        "conversations": [
            _conversation(conversation, by_conversation.get(conversation.pk, []), customer_ids)
            for conversation in conversations
        ],
        "uploads": [_media(media) for media in uploads],
        "receipts": [
            {"message": r.message_id, "status": r.get_status_display(), "updatedAt": _iso(r.updated_at)}
            for r in receipts
        ],
        "satisfactionRatings": [
            {
                "conversation": rating.conversation.public_id,
                "thread": rating.thread_id,
                "rating": rating.rating,
                "comment": rating.comment,
                "askedAt": _iso(rating.asked_at),
                "answeredAt": _iso(rating.answered_at),
            }
            for rating in ratings
        ],
        "deliveries": [
            {
                "kind": delivery.kind,
                "eventType": delivery.event_type,
                "target": delivery.target,
                "status": delivery.status,
                "createdAt": _iso(delivery.created_at),
                "deliveredAt": _iso(delivery.delivered_at),
                "payload": delivery.payload,
            }
            for delivery in deliveries
        ],
    }
    files = [media for message in messages for media in message.attachments.all()] + uploads
    return document, files


def customer_export(*, customer: Customer, actor: User | None, by: str = "") -> IO[bytes]:
    """The ZIP (`export.json` and `media/<name>`), rewound, in a temporary file the caller closes; audited.

    A media whose file the storage no longer has is listed in the JSON with `"missing": true`, not in the ZIP; a
    storage that cannot be read is ServiceError storage_unavailable (503), not an export with files left out."""
    document, files = customer_export_data(customer=customer)
    archive = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 (the caller closes it)
    missing: set[str] = set()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for media in files:
            name = media_archive_name(media)
            try:
                content = media_content(media)  # at most MAX_MEDIA_BYTES; the whole file, or nothing of it
            except FileNotFoundError:
                missing.add(name)
                continue
            zipped.writestr(name, content)
        _mark_missing(document, missing)
        zipped.writestr("export.json", json.dumps(document, indent=2, ensure_ascii=False, default=str))
    archive.seek(0)
    target = f"customer {customer.uuid}" + (f" ({by})" if by else "")
    audit_record(actor=actor, action="export customer", account=customer.account, target=target)
    return archive


def _mark_missing(document: dict[str, Any], missing: set[str]) -> None:
    if not missing:
        return
    entries = [*document["uploads"]]
    for conversation in document["conversations"]:
        for message in conversation["messages"]:
            entries += message["attachments"]
    for entry in entries:
        if entry["file"] in missing:
            entry["missing"] = True
