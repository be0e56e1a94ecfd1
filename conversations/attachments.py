"""Base64 attachments of the integration API (§3.6, §7.3): decoded, size-checked, stored as Media."""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from django.core.files.base import ContentFile

from agents.models import Account, Agent
from conversations.models import Media
from devices.models import Customer

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_TOTAL_MAX_BYTES = 20 * 1024 * 1024
MIME_TYPE_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,62}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
SAFE_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


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
    """Stored as sent (the type is kept exactly); served as bytes only for the safe image types (§8.6)."""
    media = Media(
        uuid=uuid.uuid4(),
        account=account,
        mime_type=mime_type,
        size=len(content),
        original_name=file_name,
        uploaded_by_customer=customer,
        uploaded_by_agent=agent,
    )
    extension = SAFE_EXTENSIONS.get(mime_type.lower(), "bin")
    media.file.save(f"{media.uuid.hex}.{extension}", ContentFile(content), save=False)
    media.save()
    return media
