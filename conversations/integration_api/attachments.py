"""Attachment downloads."""

from __future__ import annotations

import uuid

from conversations.integration_api.base import IntegrationAPIView
from conversations.media_serving import media_response
from conversations.models import Media
from messenger_project.integration_api.errors import ApiError


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class AttachmentView(IntegrationAPIView):
    def get(self, request, attachment_id: str):
        media_uuid = _uuid_or_none(attachment_id)
        media = Media.objects.filter(account=self.account, uuid=media_uuid).first() if media_uuid else None
        if media is None:
            raise ApiError(404, "not_found", "No such attachment.")
        try:
            # §8.6: inline only for a safe image type, here one the check of the bytes confirmed at upload.
            return media_response(media, surface="integration_api")
        except OSError:
            raise ApiError(404, "not_found", "No such attachment.") from None
