"""Client API: `POST media`, `GET media/{y}/{m}/{d}/{file}` and `GET media/{id}` (spec §5.7, §5.8)."""

from __future__ import annotations

import uuid

from django.http import FileResponse
from rest_framework.response import Response

from conversations.client_api.base import ClientAPIView
from conversations.client_api.formatting import media_path_id
from conversations.media import media_store, media_stored_name, media_visible_to_customer
from conversations.media_serving import media_response
from conversations.models import Media
from messenger_project.errors import ServiceError

MEDIA_CACHE_SECONDS = 365 * 24 * 3600  # the content of a media id never changes


class MediaUploadView(ClientAPIView):
    def post(self, request, api_version: str):
        upload = request.FILES.get("media") if request.content_type.startswith("multipart/") else None
        if upload is None:
            raise ServiceError("missing_media")
        media = media_store(account=self.caller.account, upload=upload, customer=self.caller.customer)
        # v1.9 made the upload id opaque (no `/`); earlier versions got the path form.
        return Response({"media": str(media.uuid) if self.version >= "1.9" else media_path_id(media)})


class _MediaDownloadView(ClientAPIView):
    def _serve(self, media: Media | None) -> FileResponse:
        if media is None or not media_visible_to_customer(media=media, customer=self.caller.customer):
            raise ServiceError("media_not_found", status_code=404)
        try:
            # Inline only for a checked image; other files are downloads of the type the check found (§5.8).
            return media_response(
                media, surface="client_api", cache_control=f"private, max-age={MEDIA_CACHE_SECONDS}, immutable"
            )
        except OSError:
            raise ServiceError("media_not_found", status_code=404) from None


class MediaFileView(_MediaDownloadView):
    """The canonical form, built by the SDKs from the message's media fields; padded or not."""

    def get(self, request, api_version: str, year: str, month: str, day: str, filename: str):
        path = media_stored_name(year=int(year), month=int(month), day=int(day), filename=filename)
        return self._serve(Media.objects.filter(account=self.caller.account, file=path).first())


class MediaByIdView(_MediaDownloadView):
    """The opaque upload id of v1.9 (Android shows its own image right after uploading)."""

    def get(self, request, api_version: str, media_id: str):
        try:
            media_uuid = uuid.UUID(media_id)
        except ValueError:
            raise ServiceError("media_not_found", status_code=404) from None
        return self._serve(Media.objects.filter(account=self.caller.account, uuid=media_uuid).first())
