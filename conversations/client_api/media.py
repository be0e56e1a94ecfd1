"""Client API: `POST media`, `GET media/{y}/{m}/{d}/{file}` and `GET media/{id}` (spec §5.7, §5.8)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from conversations.client_api.base import ClientAPIView
from conversations.client_api.formatting import media_path_id
from conversations.client_api.schema import answer, refusal, refusals
from conversations.client_api.serializers import ClientMediaUploadedSerializer, ClientMediaUploadFormSerializer
from conversations.media import media_store, media_stored_name, media_visible_to_customer
from conversations.media_serving import media_response
from conversations.models import Media
from messenger_project.errors import ServiceError

MEDIA_CACHE_SECONDS = 365 * 24 * 3600  # the content of a media id never changes

# An upload the storage refuses or cannot take (§8's table): `could_not_save_media` first, the code the Android and
# iOS SDKs know, then the domain's `storage_unavailable`; 503 rather than the table's 500 (an outage, not a bug:
# the SDKs treat every non-2xx alike, and monitoring and proxies tell it from a crash).
UPLOAD_REFUSED = refusals(
    "The file storage refused the file or cannot be reached; nothing was stored.",
    refusal("Storage down", "could_not_save_media", "storage_unavailable"),
)


@contextmanager
def upload_storage_failure_as_client_code() -> Iterator[None]:
    """The domain's storage failure as the client API's code for a failed upload (`UPLOAD_REFUSED`)."""
    try:
        yield
    except ServiceError as error:
        if error.code != "storage_unavailable":
            raise
        raise ServiceError(
            "could_not_save_media", status_code=503, message=error.message, extra_codes=("storage_unavailable",)
        ) from error


DOWNLOAD_NOTE = (
    "Serves the raw bytes with the file's exact `Content-Type`, `Content-Disposition`, `X-Content-Type-Options: "
    "nosniff` and a long private cache lifetime. Only the customer whose timeline holds the media (or its uploader) "
    "may get it; others get 404 `media_not_found`."
)
DOWNLOADED = {
    (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes."),
    404: refusals("Not found.", refusal("Not visible to the caller", "media_not_found")),
    503: refusals("The file storage cannot be read just now.", refusal("Storage down", "storage_unavailable")),
}


class MediaUploadView(ClientAPIView):
    @extend_schema(
        operation_id="clientUploadMedia",
        summary="Upload a file",
        description="`multipart/form-data` with the file in field `media`, at most 10 MiB. The type is detected from "
        "the bytes: images (jpeg, png, gif), PDF, text, CSV, Office documents and common audio and video types. The "
        "upload becomes a message when `POST messages` names its id; unused uploads are deleted after 24 h.",
        request={"multipart/form-data": ClientMediaUploadFormSerializer},
        responses={
            200: OpenApiResponse(
                ClientMediaUploadedSerializer,
                "Stored.",
                [answer("Uploaded (v1.9)", {"media": "da0cb973-6a33-402d-8dd6-68eb3ad65cef"})],
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("No file part", "missing_media"),
                refusal("Type not accepted", "invalid_media_type"),
            ),
            413: refusals("Upload over 10 MiB.", refusal("Too large", "media_too_large")),
            503: UPLOAD_REFUSED,
        },
    )
    def post(self, request, api_version: str):
        upload = request.FILES.get("media") if request.content_type.startswith("multipart/") else None
        if upload is None:
            raise ServiceError("missing_media")
        with upload_storage_failure_as_client_code():
            media = media_store(account=self.caller.account, upload=upload, customer=self.caller.customer)
        # v1.9 made the upload id opaque (no `/`); earlier versions got the path form.
        uploaded = {"media": str(media.uuid) if self.version >= "1.9" else media_path_id(media)}
        return Response(ClientMediaUploadedSerializer(uploaded).data)


class _MediaDownloadView(ClientAPIView):
    def _serve(self, media: Media | None) -> FileResponse:
        if media is None or not media_visible_to_customer(media=media, customer=self.caller.customer):
            raise ServiceError("media_not_found", status_code=404)
        try:
            # Inline only for a checked image; other files are downloads of the type the check found (§5.8).
            return media_response(
                media, surface="client_api", cache_control=f"private, max-age={MEDIA_CACHE_SECONDS}, immutable"
            )
        except FileNotFoundError:  # the row without its file (storage down: 503 storage_unavailable)
            raise ServiceError("media_not_found", status_code=404) from None


class MediaFileView(_MediaDownloadView):
    """The canonical form, built by the SDKs from the message's media fields; padded or not."""

    @extend_schema(
        operation_id="clientDownloadMedia",
        summary="Download media by its path",
        description="The canonical form built from a message's media fields; zero-padded and unpadded numbers alike. "
        + DOWNLOAD_NOTE,
        responses=DOWNLOADED,
    )
    def get(self, request, api_version: str, year: str, month: str, day: str, filename: str):
        path = media_stored_name(year=int(year), month=int(month), day=int(day), filename=filename)
        return self._serve(Media.objects.filter(account=self.caller.account, file=path).first())


class MediaByIdView(_MediaDownloadView):
    """The opaque upload id of v1.9 (Android shows its own image right after uploading)."""

    @extend_schema(
        operation_id="clientDownloadMediaById",
        summary="Download media by its upload id",
        description="The opaque upload id returned by `POST media` (v1.9). " + DOWNLOAD_NOTE,
        responses=DOWNLOADED,
    )
    def get(self, request, api_version: str, media_id: str):
        try:
            media_uuid = uuid.UUID(media_id)
        except ValueError:
            raise ServiceError("media_not_found", status_code=404) from None
        return self._serve(Media.objects.filter(account=self.caller.account, uuid=media_uuid).first())
