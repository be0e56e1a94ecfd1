"""Base64 attachments of the integration API (§3.6, §7.3): decoded, size-checked, stored as Media."""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from django.core.files.base import ContentFile

from agents.models import Account, Agent
from conversations.media import CHECKED_IMAGE_TYPES, media_checked_type, media_save
from conversations.models import Media
from devices.models import Customer

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_TOTAL_MAX_BYTES = 20 * 1024 * 1024
MIME_TYPE_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class InvalidAttachment(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def attachment_decode(data: str) -> bytes:
    """Standard base64, padding optional, no whitespace; 1 B to 10 MiB decoded."""
    if not isinstance(data, str) or not _BASE64.match(data):
        raise InvalidAttachment("invalid_base64", "is not valid base64")
    if len(data) * 3 // 4 > ATTACHMENT_MAX_BYTES + 3:
        raise InvalidAttachment("attachment_too_large", "decodes to more than 10 MiB")
    try:
        raw = base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidAttachment("invalid_base64", "is not valid base64") from None
    if not raw:
        raise InvalidAttachment("too_short", "decodes to no bytes")
    if len(raw) > ATTACHMENT_MAX_BYTES:
        raise InvalidAttachment("attachment_too_large", "decodes to more than 10 MiB")
    return raw


def file_name_valid(name: str) -> bool:
    return (
        1 <= len(name) <= 255
        and name not in {".", ".."}
        and not any(c in name for c in "/\\")
        and not any(ord(c) < 32 or ord(c) == 127 for c in name)
    )


def attachment_store(
    *,
    account: Account,
    file_name: str,
    mime_type: str,
    content: bytes,
    customer: Customer | None = None,
    agent: Agent | None = None,
) -> Media:
    """Stored as sent, the declared type kept exactly for the API's answers (§3.6). The bytes go through the client
    API's check (conversations.media): what it finds is `checked_type`, and only a PNG, JPEG, GIF or WebP found there
    and declared as such is ever served inline (§8.6; conversations/media_serving.py). ServiceError
    storage_unavailable (503) when the storage refuses the file (media_save: nothing is left half-written)."""
    checked_type, width, height = media_checked_type(content, name=file_name)
    media = Media(
        uuid=uuid.uuid4(),
        account=account,
        mime_type=mime_type,
        checked_type=checked_type,
        size=len(content),
        original_name=file_name,
        width=width,
        height=height,
        uploaded_by_customer=customer,
        uploaded_by_agent=agent,
    )
    extension = CHECKED_IMAGE_TYPES[checked_type] if media.is_checked_image else "bin"
    return media_save(media, ContentFile(content), extension=extension)
