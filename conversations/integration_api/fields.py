"""Serializers shared by the integration API's families: attachments and path ids."""

from __future__ import annotations

import re
from datetime import UTC

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from conversations.attachments import (
    ATTACHMENTS_TOTAL_MAX_BYTES,
    MIME_TYPE_FORM,
    InvalidAttachment,
    attachment_decode,
    file_name_valid,
)
from devices.normalize import InvalidIdentifier
from messenger_project.integration_api.errors import FieldError, field_errors, validation_failed
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


# --- query parameters ------------------------------------------------------------------------------------------


class QueryIdField(serializers.Field):
    """Digits from `min_value` to `max_value` (at most a bigint); `out_of_range` otherwise. With `blank_is_absent`
    an empty value (`?assigneeId=`) means no filter."""

    def __init__(self, *, min_value: int = 1, max_value: int = MAX_ID, blank_is_absent: bool = False, **kwargs):
        self.min_value, self.max_value, self.blank_is_absent = min_value, max_value, blank_is_absent
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if data == "" and self.blank_is_absent:
            return None
        value = stored_id(str(data))
        if value is None or not self.min_value <= value <= self.max_value:
            raise serializers.ValidationError(field_error("is not an allowed value", "out_of_range"))
        return value

    def to_representation(self, value):
        return value


class QueryDateTimeField(serializers.Field):
    """ISO 8601 (`invalid_datetime` otherwise); without an offset, UTC. An empty value means no filter."""

    def to_internal_value(self, data):
        if data == "":
            return None
        try:
            moment = parse_datetime(str(data))
        except ValueError:  # well formed, but no such date (month 13)
            moment = None
        if moment is None:
            raise serializers.ValidationError(field_error("is not ISO 8601", "invalid_datetime"))
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)

    def to_representation(self, value):
        return value


def query_validated(serializer_class: type[serializers.Serializer], request) -> dict:
    """The request's query parameters checked by `serializer_class`; every problem a `query.<name>` field error."""
    values = request.query_params.dict()  # a plain dict: `?status=` is "", not "absent" as in an HTML form
    repeated = [
        FieldError(f"query.{name}", "duplicate", "is given more than once")
        for name, given in request.query_params.lists()
        if len(given) > 1
    ]
    if repeated:
        raise validation_failed(repeated)
    query = serializer_class(data=values)
    if not query.is_valid():
        raise validation_failed(field_errors(query.errors, values, "query"))
    return query.validated_data


def normalized_identifier(normalize, value: str) -> str:
    """`value` through `normalize` (an email or phone normalizer); refused as a field error in the API's body."""
    try:
        return normalize(value)
    except InvalidIdentifier as exc:
        raise serializers.ValidationError(field_error(str(exc), exc.code)) from None
