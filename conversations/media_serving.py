"""How a stored file is served, the same on every route that serves one: the desk (`/desk/media/<uuid>`, with its
thumbnails), the client API (`media/...`, §5.8) and the integration API (`attachments/<id>`, §8.6).

No active content on our origin: only a PNG, JPEG, GIF or WebP whose bytes passed the check at upload
(`Media.is_checked_image`) is served inline, as the type found. Everything else is a download
(`Content-Disposition: attachment`) of `application/octet-stream` (the client API keeps the type the check found,
see `media_serving`). Every answer carries `nosniff` and a policy that allows nothing (MEDIA_CSP), so even a file
opened on its own can run no script and load nothing. The type a sender declared is never what is served.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Literal
from urllib.parse import quote

import filetype
from django.http import FileResponse, HttpResponse

from conversations.media import IMAGE_ERRORS, image_open_checked
from conversations.models import Media

# No script, style, frame, plugin or fetch, never framed; `sandbox` gives a file opened on its own a unique origin.
MEDIA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
OCTET_STREAM = "application/octet-stream"
THUMBNAIL_SIZE = (320, 320)
THUMBNAIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}

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
    """The stored bytes as `media_serving` decides. Raises OSError when the file cannot be opened.

    The file name goes in `Content-Disposition` as each API has always sent it: the integration API in the RFC 5987
    form only (§8.6), the others as Django writes it (a plain `filename` when it is ASCII)."""
    serving = media_serving(media, surface=surface)
    name = str(media) or "file"
    handle = media.file.open("rb")
    if surface == "integration_api":
        response = FileResponse(handle, content_type=serving.content_type)
        disposition = "inline" if serving.inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(media.original_name or 'file')}"
    else:
        response = FileResponse(
            handle, content_type=serving.content_type, as_attachment=not serving.inline, filename=name
        )
    if cache_control:
        response["Cache-Control"] = cache_control
    return _protect(response)


def media_thumbnail(media: Media, *, cache_control: str) -> HttpResponse | None:
    """A copy at most THUMBNAIL_SIZE of a checked image, in its own format; None when there is none to give.

    Decoded only after its header says it is a PNG, JPEG, GIF or WebP of bounded size (image_open_checked): a file
    that does not decode, or would decode to a huge picture, gets no thumbnail, never an error page."""
    if not media.is_checked_image:
        return None
    try:
        with media.file.open("rb") as handle, image_open_checked(handle) as image:
            image.thumbnail(THUMBNAIL_SIZE)  # a JPEG is decoded at a smaller scale straight away (draft)
            buffer = BytesIO()
            image.save(buffer, format=THUMBNAIL_FORMATS[media.checked_type])
    except (*IMAGE_ERRORS, KeyError):
        return None
    response = HttpResponse(buffer.getvalue(), content_type=media.checked_type)
    response["Cache-Control"] = cache_control
    return _protect(response)


AVATAR_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def avatar_response(agent_avatar, *, cache_control: str) -> FileResponse | None:
    """An agent's avatar (an image the admin's ImageField checked at upload), inline when its bytes are a PNG, JPEG,
    GIF or WebP, as the type its bytes say; None otherwise."""
    with agent_avatar.open("rb") as handle:
        kind = filetype.guess(handle.read(261))
    content_type = AVATAR_TYPES.get(kind.extension if kind else "")
    if content_type is None:
        return None
    response = FileResponse(agent_avatar.open("rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    return _protect(response)
