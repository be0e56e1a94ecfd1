"""Uploads: type sniffed from the bytes, images decoded by Pillow, stored under uploads/YYYY/MM/DD/, access-checked.

No active content is ever accepted: SVG, HTML and anything not on the list are refused (client API §5.7).
The same check of the bytes (`media_detect`) is applied to every stored file: client uploads, desk replies and the
integration API's attachments (which keep their declared type for the API's answers, see `media_checked_type`).
What a file is served as follows from the type this check found, never from a declared one (media_serving.py).
"""

from __future__ import annotations

import struct
import uuid
from datetime import timedelta

import filetype
from django.core.files.base import ContentFile, File
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
# The images the byte check recognises: decoded whole by Pillow, then the only types ever served inline.
CHECKED_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# MPO: a phone camera's JPEG with extra pictures after the first one (Pillow's JPEG decoder opens it as such).
PILLOW_FORMATS = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
# The images the client API accepts as uploads (§5.7: jpeg, png, gif; the SDKs draw no other), so desk replies too.
IMAGE_TYPES = {mime: CHECKED_IMAGE_TYPES[mime] for mime in ("image/jpeg", "image/png", "image/gif")}
# Width × height above which an image is refused, and never decoded: a 10 MiB PNG can hold a 30000×30000 picture
# that takes gigabytes once decoded (a decompression bomb). 50 MP holds every phone camera's full-size photo.
MAX_IMAGE_PIXELS = 50_000_000
# What Pillow raises for bytes that are not the image they claim to be (its decoders use all of these).
IMAGE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    struct.error,
    Image.DecompressionBombError,
)
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


def image_open_checked(handle) -> Image.Image:
    """Pillow's image of a PNG, JPEG, GIF or WebP of at most MAX_IMAGE_PIXELS, its header read and nothing decoded.

    Raises one of IMAGE_ERRORS otherwise. Every decode of stored bytes (the upload check, thumbnails) starts here."""
    image = Image.open(handle, formats=["JPEG", "PNG", "GIF", "WEBP"])
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise Image.DecompressionBombError(f"{width}x{height} is over {MAX_IMAGE_PIXELS} pixels")
    return image


def _decode_image(upload: File) -> tuple[str, int, int]:
    """Decode the whole image; a file that claims to be an image but is not is refused."""
    try:
        upload.seek(0)
        with image_open_checked(upload) as image:
            image.verify()
        upload.seek(0)
        with image_open_checked(upload) as image:
            image.load()
            mime = PILLOW_FORMATS.get(image.format or "")
            width, height = image.size
    except IMAGE_ERRORS:
        raise ServiceError("invalid_media_type") from None
    if mime is None:
        raise ServiceError("invalid_media_type")
    return mime, width, height


def media_detect(upload: File, *, image_types: dict[str, str] = IMAGE_TYPES) -> tuple[str, str, int | None, int | None]:
    """(mime type, extension, width, height) from the bytes, never from the name or the declared type.

    An image must decode whole as the type its bytes start with, and be one of `image_types` (the client API's by
    default; CHECKED_IMAGE_TYPES adds WebP, for the integration API's attachments)."""
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    mime = kind.mime if kind else None
    if mime in image_types or (kind is not None and mime.startswith("image/")):
        if mime not in image_types:
            raise ServiceError("invalid_media_type")
        decoded, width, height = _decode_image(upload)
        if decoded != mime:  # the magic number of one type, the body of another: neither is trusted
            raise ServiceError("invalid_media_type")
        return mime, image_types[mime], width, height
    if mime in FILE_TYPES:
        return mime, FILE_TYPES[mime], None, None
    if kind is None:
        upload.seek(0)
        text_type = _sniff_text(upload.read(), upload.name or "")
        if text_type is not None:
            return text_type, "csv" if text_type == "text/csv" else "txt", None, None
    raise ServiceError("invalid_media_type")


def media_checked_type(content: bytes, *, name: str = "") -> tuple[str, int | None, int | None]:
    """(type, width, height) the byte check finds in content that was stored whatever it is (the integration API's
    attachments, §3.6); the type is "" when the bytes pass no check. WebP counts as an image here (§8.6)."""
    try:
        mime, _, width, height = media_detect(ContentFile(content, name=name), image_types=CHECKED_IMAGE_TYPES)
    except ServiceError:
        return "", None, None
    return mime, width, height


def media_store(
    *,
    account: Account,
    upload: UploadedFile,
    customer: Customer | None = None,
    agent: Agent | None = None,
    description: str = "",
    images_only: bool = False,
) -> Media:
    """Check and store an upload; it becomes a message's media when a message names it.

    `images_only` (desk replies): a file that passes the check but is not an image is refused as `not_an_image`."""
    if upload.size is None or upload.size > MAX_MEDIA_BYTES:
        raise ServiceError("media_too_large", status_code=413)
    if upload.size == 0:
        raise ServiceError("missing_media")
    mime, extension, width, height = media_detect(upload)
    if images_only and mime not in IMAGE_TYPES:
        raise ServiceError("not_an_image", message="Only images can be attached.")
    media = Media(
        uuid=uuid.uuid4(),
        account=account,
        mime_type=mime,
        checked_type=mime,
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


def media_files_delete(media: Media) -> None:
    """Delete a media's stored files (original and thumbnail)."""
    media.file.delete(save=False)
