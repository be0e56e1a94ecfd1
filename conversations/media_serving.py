"""How a stored file is served, the same on every route that serves one: the desk (`/desk/media/<uuid>`, with its
thumbnails), the client API (`media/...`, §5.8) and the integration API (`attachments/<id>`, §8.6).

No active content on our origin: only a PNG, JPEG, GIF or WebP whose bytes passed the check at upload
(`Media.is_checked_image`) is served inline, as the type found. Everything else is a download
(`Content-Disposition: attachment`) of `application/octet-stream` (the client API keeps the type the check found,
see `media_serving`). Every answer carries `nosniff` and a policy that allows nothing (MEDIA_CSP), so even a file
opened on its own can run no script and load nothing. The type a sender declared is never what is served.

The bytes are streamed from the storage (the local disk or the bucket, docs/storage.md) after the view's permission
check, never handed out as a bucket URL: the headers above, the SDKs' authenticated same-origin requests and the
check on every request all stay as they are. A storage that cannot be read raises ServiceError storage_unavailable
(each surface answers 503 in its own format); a file that is gone raises FileNotFoundError (the views' 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

import filetype
from django.http import FileResponse, HttpResponse
from django.urls import reverse

from conversations.media import media_thumbnail_content, storage_errors_refused
from conversations.models import Media

# No script, style, frame, plugin or fetch, never framed; `sandbox` gives a file opened on its own a unique origin.
MEDIA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
OCTET_STREAM = "application/octet-stream"

# Who serves: the answers differ only where a spec says so (see `media_serving`).
Surface = Literal["desk", "client_api", "integration_api"]


@dataclass(frozen=True, slots=True)
class Serving:
    content_type: str
    inline: bool


def media_serving(media: Media, *, surface: Surface) -> Serving:
    """The one decision: inline only for a checked image, as the type the check found; else a download.

    A download is `application/octet-stream`, except on the client API, whose SDKs accept only a body of a type they
    know (§5.8: "never send application/octet-stream for a known type"): there a download keeps the type the check
    found (a PDF, a text, an Office file...). The declared type is never used, whatever the route."""
    if media.is_checked_image:
        return Serving(content_type=media.checked_type, inline=True)
    if surface == "client_api" and media.checked_type:
        return Serving(content_type=media.checked_type, inline=False)
    return Serving(content_type=OCTET_STREAM, inline=False)


def _protect(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP  # set here, so the site-wide policy's middleware leaves it
    return response


def media_response(media: Media, *, surface: Surface, cache_control: str | None = None) -> FileResponse:
    """The stored bytes as `media_serving` decides, streamed from the storage. Raises FileNotFoundError when the
    file is gone, ServiceError storage_unavailable when the storage cannot be read (before any byte is sent: the
    response's length is taken from the opened file, which fetches an object from a bucket).

    The file name goes in `Content-Disposition` as each API has always sent it: the integration API in the RFC 5987
    form only (§8.6), the others as Django writes it (a plain `filename` when it is ASCII)."""
    serving = media_serving(media, surface=surface)
    name = str(media) or "file"
    with storage_errors_refused(reading=True):
        handle = media.file.storage.open(media.file.name, "rb")
        try:
            if surface == "integration_api":
                response = FileResponse(handle, content_type=serving.content_type)
                disposition = "inline" if serving.inline else "attachment"
                response["Content-Disposition"] = (
                    f"{disposition}; filename*=UTF-8''{quote(media.original_name or 'file')}"
                )
            else:
                response = FileResponse(
                    handle, content_type=serving.content_type, as_attachment=not serving.inline, filename=name
                )
        except BaseException:
            handle.close()
            raise
    if cache_control:
        response["Cache-Control"] = cache_control
    return _protect(response)


def media_thumbnail(media: Media, *, cache_control: str) -> HttpResponse | None:
    """The stored thumbnail of a checked image (made at upload, or on first use for older media); None when there
    is none to give. ServiceError storage_unavailable when the storage cannot be read."""
    content = media_thumbnail_content(media)
    if content is None:
        return None
    response = HttpResponse(content, content_type=media.checked_type)
    response["Cache-Control"] = cache_control
    return _protect(response)


def agent_avatar_url(name: str) -> str:
    """Where an agent's avatar is served (`/media/avatars/…`, avatar_response), whatever the storage: never a
    bucket's URL, which would expire and which the desk's and the widget's policies would not load."""
    return reverse("agent-avatar", kwargs={"name": name.removeprefix("avatars/")})


AVATAR_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def avatar_response(agent_avatar, *, cache_control: str) -> FileResponse | None:
    """An agent's avatar (an image the admin's ImageField checked at upload), inline when its bytes are a PNG, JPEG,
    GIF or WebP, as the type its bytes say; None otherwise. FileNotFoundError when it is gone, ServiceError
    storage_unavailable when the storage cannot be read."""
    with storage_errors_refused(reading=True):
        with agent_avatar.storage.open(agent_avatar.name, "rb") as handle:
            kind = filetype.guess(handle.read(261))
        content_type = AVATAR_TYPES.get(kind.extension if kind else "")
        if content_type is None:
            return None
        response = FileResponse(agent_avatar.storage.open(agent_avatar.name, "rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    return _protect(response)
