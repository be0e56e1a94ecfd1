"""Serializers shared by the integration API's families: attachments and path ids."""

from __future__ import annotations

import re

from rest_framework import serializers

from conversations.attachments import (
    ATTACHMENTS_TOTAL_MAX_BYTES,
    MIME_TYPE_FORM,
    InvalidAttachment,
    attachment_decode,
    file_name_valid,
)
from messenger_project.integration_api.errors import FieldError, validation_failed
from messenger_project.integration_api.serializers import StrictSerializer, field_error
from messenger_project.numbers import MAX_ID, is_digits

CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_\-.:~]{1,128}$")
USER_ID = re.compile(r"^[A-Za-z0-9_\-.:@~]{1,128}$")


def stored_id(value: str) -> int | None:
    """The number in `value` when it is all digits and a stored id can be that large (bigint), else None."""
    if not is_digits(value) or len(value) > len(str(MAX_ID)) or int(value) > MAX_ID:
        return None
    return int(value)


def path_id_check(value: str, *, name: str, pattern: re.Pattern) -> str:
    if not pattern.match(value):
        raise validation_failed(
            [FieldError(f"path.{name}", "invalid_id", "has characters or a length not allowed", value)]
        )
    return value


class AttachmentSerializer(StrictSerializer):
    fileName = serializers.CharField(max_length=255, trim_whitespace=False)
    mimeType = serializers.CharField(max_length=127, trim_whitespace=False)
    data = serializers.CharField(trim_whitespace=False, allow_blank=True)

    def validate_fileName(self, value: str) -> str:
        if not file_name_valid(value):
            raise serializers.ValidationError(field_error("must be a plain file name", "invalid"))
        return value

    def validate_mimeType(self, value: str) -> str:
        # Only the form is checked: the seed's own `plain/text` is not a registered type (§10.14).
        if not MIME_TYPE_FORM.match(value):
            raise serializers.ValidationError(field_error("must have the type/subtype form", "invalid"))
        return value

    def validate_data(self, value: str) -> bytes:
        try:
            return attachment_decode(value)
        except InvalidAttachment as exc:
            raise serializers.ValidationError(field_error(str(exc), exc.code)) from None


class AttachmentListField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=AttachmentSerializer(), max_length=5, required=False, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            raise serializers.ValidationError(field_error(f"at most {self.max_length} attachments", "too_many_items"))
        items = super().to_internal_value(data)
        if sum(len(item["data"]) for item in items) > ATTACHMENTS_TOTAL_MAX_BYTES:
            raise serializers.ValidationError(field_error("decode to more than 20 MiB in all", "attachment_too_large"))
        return items
