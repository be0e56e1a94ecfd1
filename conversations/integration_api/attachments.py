"""Attachment downloads."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.openapi import (
    ATTACHMENT,
    READ_ERRORS,
    TAG_ATTACHMENTS,
    UUID_STRING,
    errors_of,
    path_param,
)
from conversations.media_serving import media_response
from conversations.models import Media
from messenger_project.integration_api.errors import ApiError


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@extend_schema_view(
    get=extend_schema(
        operation_id="downloadAttachment",
        summary="Download an attachment",
        description="The bytes. `Content-Type` is the stored type only for png, jpeg, gif and webp images; otherwise "
        "`application/octet-stream` with `Content-Disposition: attachment`. Always `X-Content-Type-Options: nosniff`.",
        tags=[TAG_ATTACHMENTS],
        parameters=[
            path_param(
                "attachment_id",
                "The attachment id (a UUID); anything else is a 404.",
                pattern=None,
                type_=UUID_STRING,
                example=ATTACHMENT["id"],
            )
        ],
        responses={
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file's bytes.")
                for media_type in ("image/png", "image/jpeg", "image/gif", "image/webp", "application/octet-stream")
            },
            **errors_of(*READ_ERRORS),
        },
    )
)
class AttachmentView(IntegrationAPIView):
    def get(self, request, attachment_id: str):
        media_uuid = _uuid_or_none(attachment_id)
        media = Media.objects.filter(account=self.account, uuid=media_uuid).first() if media_uuid else None
        if media is None:
            raise ApiError(404, "not_found", "No such attachment.")
        try:
            # §8.6: inline only for a safe image type, here one the check of the bytes confirmed at upload.
            return media_response(media, surface="integration_api")
        except FileNotFoundError:  # storage down: ServiceError storage_unavailable, a 503 in this API's body
            raise ApiError(404, "not_found", "No such attachment.") from None
