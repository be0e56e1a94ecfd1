"""Uploads: type sniffed from the bytes, images decoded by Pillow, stored under uploads/YYYY/MM/DD/, access-checked.

Stored through Django's default storage, the local disk or an S3-compatible bucket (docs/storage.md): every read
and write goes through the storage's API, never a path. A checked image's thumbnail is made once, at upload, and
stored beside it. A storage that refuses a write or cannot be reached is `ServiceError("storage_unavailable")`
(503), and nothing is half-written: no Media row without its file, and no file left behind by a failed write.

No active content is ever accepted: SVG, HTML and anything not on the list are refused (client API §5.7).
The same check of the bytes (`media_detect`) is applied to every stored file: client uploads, desk replies and the
integration API's attachments (which keep their declared type for the API's answers, see `media_checked_type`).
What a file is served as follows from the type this check found, never from a declared one (media_serving.py).
"""

from __future__ import annotations

import logging
import struct
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from io import BytesIO

import filetype
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from agents.models import Account, Agent
from conversations.models import Media, Receipt, StoredFileDeletion
from devices.models import Customer
from messenger_project.errors import ServiceError
from messenger_project.media_storage import STORAGE_ERRORS
from messenger_project.numbers import is_digits

logger = logging.getLogger(__name__)

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
# The desk's thumbnails: at most this size, in the original's format (a PNG keeps its transparency).
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
STORAGE_UNAVAILABLE = "The file storage refused the file or could not be reached. Try again later."


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
    return media_save(media, upload, extension=extension)


# --- storage: every read and write of a stored file ----------------------------------------------------------------


def storage_unavailable() -> ServiceError:
    return ServiceError("storage_unavailable", status_code=503, message=STORAGE_UNAVAILABLE)


@contextmanager
def storage_errors_refused(*, reading: bool = False) -> Iterator[None]:
    """A storage's failure (the disk, or the bucket refusing or unreachable) as ServiceError storage_unavailable.

    `reading`: a file that is not there (FileNotFoundError, which django-storages also raises for a missing object)
    passes as it is, for the reader to answer 404."""
    try:
        yield
    except FileNotFoundError:
        if reading:
            raise
        logger.warning("media storage: a write failed", exc_info=True)
        raise storage_unavailable() from None
    except STORAGE_ERRORS as exc:
        logger.warning("media storage failed: %s", exc)
        raise storage_unavailable() from exc


_written: ContextVar[list[Media] | None] = ContextVar("media_written", default=None)


@contextmanager
def media_files_removed_on_failure() -> Iterator[None]:
    """Files stored inside the block (media_save) are deleted if the block fails: wrap it around the transaction
    that writes their rows (`with media_files_removed_on_failure(), transaction.atomic():`), so a message that is
    not stored leaves no file behind. Nested blocks share the outermost one."""
    if _written.get() is not None:
        yield
        return
    written: list[Media] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for media in written:
            _files_forget(media)
        raise
    finally:
        _written.reset(token)


def _files_forget(media: Media) -> None:
    """Best effort, after a failure that is already being reported: what cannot be deleted now is logged."""
    try:
        media_files_delete(media)
    except ServiceError:
        logger.warning("media storage: could not delete %s after a failed write", media.file.name)


def thumbnail_bytes(handle, checked_type: str) -> bytes | None:
    """A copy at most THUMBNAIL_SIZE of a checked image, in its own format; None when the bytes give none.

    Decoded only after its header says it is a PNG, JPEG, GIF or WebP of bounded size (image_open_checked)."""
    try:
        with image_open_checked(handle) as image:
            image.thumbnail(THUMBNAIL_SIZE)  # a JPEG is decoded at a smaller scale straight away (draft)
            buffer = BytesIO()
            image.save(buffer, format=THUMBNAIL_FORMATS[checked_type])
    except (*IMAGE_ERRORS, KeyError):
        return None
    return buffer.getvalue()


def _thumbnail_name(media: Media) -> str:
    return f"{media.uuid.hex}_thumb.{CHECKED_IMAGE_TYPES[media.checked_type]}"


def media_save(media: Media, content: File, *, extension: str) -> Media:
    """Store the file (and a checked image's thumbnail), then the row; all or nothing.

    ServiceError storage_unavailable when the storage refuses or is down: the files written so far are deleted, no
    row is saved. A row that fails after the files were written takes them with it."""
    try:
        with storage_errors_refused():
            content.seek(0)
            media.file.save(f"{media.uuid.hex}.{extension}", content, save=False)
            if media.is_checked_image:
                content.seek(0)
                thumbnail = thumbnail_bytes(content, media.checked_type)
                if thumbnail is not None:
                    media.thumbnail.save(_thumbnail_name(media), ContentFile(thumbnail), save=False)
        with transaction.atomic():
            media.save()
    except BaseException:
        _files_forget(media)
        raise
    written = _written.get()
    if written is not None:
        written.append(media)
    return media


def media_files_delete(media: Media) -> None:
    """Delete a media's original and its thumbnail from storage; a file already gone is no error. The row is left
    as it is (the caller deletes or changes it). ServiceError storage_unavailable when the storage refuses."""
    with storage_errors_refused():
        for stored in (media.thumbnail, media.file):
            if stored.name:
                stored.storage.delete(stored.name)


def media_content(media: Media) -> bytes:
    """A media's stored bytes, whole. FileNotFoundError when the file is gone, ServiceError storage_unavailable when
    the storage cannot be read."""
    with storage_errors_refused(reading=True), media.file.storage.open(media.file.name, "rb") as handle:
        return handle.read()


def media_thumbnail_content(media: Media) -> bytes | None:
    """The stored thumbnail of a checked image; None for other media or an original whose bytes give none.

    Media stored before thumbnails were (#22), or whose thumbnail is gone, get one made from the original on first
    use and stored beside it. ServiceError storage_unavailable when the storage cannot be read."""
    if not media.is_checked_image:
        return None
    if media.thumbnail.name:
        try:
            with storage_errors_refused(reading=True), media.thumbnail.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            pass
    try:
        with storage_errors_refused(reading=True), media.file.open("rb") as handle:
            content = thumbnail_bytes(handle, media.checked_type)
    except FileNotFoundError:
        return None
    if content is not None:
        _thumbnail_keep(media, content)
    return content


def _thumbnail_keep(media: Media, content: bytes) -> None:
    """Store a thumbnail made on first use; the first of two concurrent requests wins, the other's file goes."""
    before = media.thumbnail.name or ""
    try:
        with storage_errors_refused():
            media.thumbnail.save(_thumbnail_name(media), ContentFile(content), save=False)
    except ServiceError:
        return  # served this time, stored on a later request
    if not Media.objects.filter(pk=media.pk, thumbnail=before).update(thumbnail=media.thumbnail.name):
        try:
            with storage_errors_refused():
                media.thumbnail.storage.delete(media.thumbnail.name)
        except ServiceError:
            logger.warning("media storage: could not delete the spare thumbnail %s", media.thumbnail.name)


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
    """Delete uploads no message took within a day (client API §5.7 Decision); their files follow the rows
    (`media_files_release`), from the bucket too."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    pruned = 0
    for media in Media.objects.filter(message__isnull=True, created_at__lt=cutoff).order_by("pk"):
        media.delete()
        pruned += 1
    return pruned


STORED_FILES_BATCH = 200


def media_files_release(media: Media) -> None:
    """A media row is being deleted: its files (original and thumbnail) are queued for deletion in the same
    transaction, and deleted from storage after the commit. A rollback keeps files and rows; a storage that is down
    then leaves them queued for the worker's sweep (`stored_files_delete`). Every deletion of a media row ends here
    (the post_delete receiver): an erasure, the retention, a deleted conversation or customer, the admin, pruning."""
    names = [stored.name for stored in (media.file, media.thumbnail) if stored.name]
    if not names:
        return
    StoredFileDeletion.objects.bulk_create(StoredFileDeletion(name=name) for name in names)

    def delete_after_commit() -> None:
        stored_files_delete(names=names)

    transaction.on_commit(delete_after_commit)


def stored_files_delete(*, names: list[str] | None = None, limit: int = STORED_FILES_BATCH) -> int:
    """Delete queued files from storage (those named, or the oldest `limit`); returns how many went. Never raises for
    the storage: the first refusal is noted on its row and ends the round (the storage is likely down); the sweep
    tries again."""
    pending = StoredFileDeletion.objects.order_by("pk")
    pending = pending.filter(name__in=names) if names is not None else pending[:limit]
    deleted = 0
    for row in list(pending):
        try:
            Media.file.field.storage.delete(row.name)  # a file already gone is no error, on the disk or in a bucket
        except Exception as error:  # noqa: BLE001  (whatever the storage raises: it runs after a commit, and by the sweep)
            StoredFileDeletion.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:255]
            )
            logger.warning("media storage: could not delete %s yet; the worker's sweep tries again", row.name)
            break
        row.delete()
        deleted += 1
    return deleted
