"""Uploads: type sniffed from the bytes, images decoded by Pillow, stored under uploads/YYYY/MM/DD/, access-checked.

No active content is ever accepted: SVG, HTML and anything not on the list are refused (client API §5.7).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from agents.models import Account, Agent
from conversations.models import Media, Receipt
from devices.models import Customer
from messenger_project.errors import ServiceError
from messenger_project.numbers import is_digits

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # 10 MiB (client API §5.7 Decision)
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
PILLOW_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
FILE_TYPES = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "video/quicktime": "mov",
    "video/x-msvideo": "avi",
    "video/mpeg": "mpeg",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/x-wav": "wav",
    "audio/wav": "wav",
    "audio/webm": "weba",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
}
MARKUP_STARTS = (b"<", b"\xef\xbb\xbf<")


def _sniff_text(data: bytes, name: str) -> str | None:
    """Plain text or CSV: valid UTF-8, no NUL byte, and not markup (HTML, SVG and XML are active content)."""
    if b"\x00" in data or data.lstrip().startswith(MARKUP_STARTS):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def _decode_image(upload: UploadedFile) -> tuple[str, int, int]:
    """Decode the whole image; a file that claims to be an image but is not is refused."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            mime = PILLOW_FORMATS.get(image.format or "")
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError("invalid_media_type") from None
    if mime is None:
        raise ServiceError("invalid_media_type")
    return mime, width, height


def media_detect(upload: UploadedFile) -> tuple[str, str, int | None, int | None]:
    """(mime type, extension, width, height) from the bytes, never from the name or the declared type."""
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in IMAGE_TYPES or (kind is not None and mime.startswith("image/")):
        if mime not in IMAGE_TYPES:
            raise ServiceError("invalid_media_type")
        mime, width, height = _decode_image(upload)
        return mime, IMAGE_TYPES[mime], width, height
    if mime in FILE_TYPES:
        return mime, FILE_TYPES[mime], None, None
    if kind is None:
        upload.seek(0)
        text_type = _sniff_text(upload.read(), upload.name or "")
        if text_type is not None:
            return text_type, "csv" if text_type == "text/csv" else "txt", None, None
    raise ServiceError("invalid_media_type")


def media_store(
    *,
    account: Account,
    upload: UploadedFile,
    customer: Customer | None = None,
    agent: Agent | None = None,
    description: str = "",
) -> Media:
    """Check and store an upload; it becomes a message's media when a message names it."""
    if upload.size is None or upload.size > MAX_MEDIA_BYTES:
        raise ServiceError("media_too_large", status_code=413)
    if upload.size == 0:
        raise ServiceError("missing_media")
    mime, extension, width, height = media_detect(upload)
    media = Media(
        uuid=uuid.uuid4(),
        account=account,
        mime_type=mime,
        size=upload.size,
        original_name=(description or upload.name or "")[:255],
        width=width,
        height=height,
        uploaded_by_customer=customer,
        uploaded_by_agent=agent,
    )
    upload.seek(0)
    try:
        with transaction.atomic():
            media.file.save(f"{media.uuid.hex}.{extension}", upload, save=False)
            media.save()
    except OSError:
        raise ServiceError("could_not_save_media", status_code=500) from None
    return media


def media_stored_name(*, year: int, month: int, day: int, filename: str) -> str:
    """The storage name of `media/{y}/{m}/{d}/{file}`, whatever the padding the client used (upload_to pads)."""
    return f"uploads/{year:04d}/{month:02d}/{day:02d}/{filename}"


def _media_lookup(media_id: str) -> dict:
    """An opaque upload id (a UUID, v1.9) or the path form of earlier versions (`img/{a}/{y}/{m}/{d}/{file}`)."""
    try:
        return {"uuid": uuid.UUID(str(media_id))}
    except ValueError:
        pass
    parts = str(media_id).strip("/").split("/")
    if len(parts) >= 4 and all(is_digits(p) for p in parts[-4:-1]):
        year, month, day = (int(p) for p in parts[-4:-1])
        return {"file": media_stored_name(year=year, month=month, day=day, filename=parts[-1])}
    raise ServiceError("missing_media")


def media_claim_for_message(*, customer: Customer, media_id: str, description: str = "") -> Media:
    """The customer's own upload that no message uses yet, for `POST messages` (else 400 missing_media)."""
    media = Media.objects.filter(
        account_id=customer.account_id, uploaded_by_customer=customer, message__isnull=True, **_media_lookup(media_id)
    ).first()
    if media is None:
        raise ServiceError("missing_media")
    if description:
        media.original_name = description[:255]
        media.save(update_fields=["original_name"])
    return media


def media_visible_to_customer(*, media: Media, customer: Customer) -> bool:
    """A message carrying it is in the customer's timeline, or it is their own upload not used yet."""
    if media.message_id is None:
        return media.uploaded_by_customer_id == customer.pk
    return Receipt.objects.filter(customer=customer, message_id=media.message_id).exists()


UNUSED_UPLOAD_HOURS = 24


def media_prune_unused(*, older_than_hours: int = UNUSED_UPLOAD_HOURS) -> int:
    """Delete uploads no message took within a day (client API §5.7 Decision), files included."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    stale = list(Media.objects.filter(message__isnull=True, created_at__lt=cutoff))
    for media in stale:
        media.file.delete(save=False)
        media.delete()
    return len(stale)
