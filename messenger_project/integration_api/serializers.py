"""Validation building blocks of the integration API: strict objects (unknown keys are errors) and custom data."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

from messenger_project.timestamps import iso

CUSTOM_MAX_BYTES = 16 * 1024
CUSTOM_MAX_KEYS = 50
CUSTOM_STRING_MAX = 2000
_CUSTOM_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def field_error(message: str, code: str) -> ErrorDetail:
    return ErrorDetail(message, code=code)


class StrictSerializer(serializers.Serializer):
    """Rejects unknown keys (`unknown_field`), collected in one response with every other field error."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise ValidationError({"non_field_errors": [field_error("must be a JSON object", "wrong_type")]})
        errors: dict = {}
        value = None
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            errors = dict(exc.detail)
        for key in data:
            if key not in self.fields:
                errors[key] = [field_error("is not a known field", "unknown_field")]
        if errors:
            raise ValidationError(errors)
        return value


class CustomDataField(serializers.Field):
    """§3.7: one JSON object, ≤16 KiB and ≤50 keys. With `strings_only` ([S2]) values are strings ≤2000, or null."""

    def __init__(self, *, strings_only: bool = False, **kwargs):
        self.strings_only = strings_only
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise ValidationError(field_error("must be an object", "wrong_type"))
        errors = {}
        for key, value in data.items():
            if not _CUSTOM_KEY.match(str(key)):
                errors[key] = [field_error("keys are 1 to 64 characters from A-Z a-z 0-9 _ . -", "invalid_id")]
            elif self.strings_only and value is not None and not isinstance(value, str):
                errors[key] = [field_error("must be a string", "wrong_type")]
            elif self.strings_only and value is not None and len(value) > CUSTOM_STRING_MAX:
                errors[key] = [field_error(f"must be at most {CUSTOM_STRING_MAX} characters", "too_long")]
        if errors:
            raise ValidationError(errors)
        if len(data) > CUSTOM_MAX_KEYS:
            raise ValidationError(field_error(f"must have at most {CUSTOM_MAX_KEYS} keys", "too_many_items"))
        if len(json.dumps(data).encode()) > CUSTOM_MAX_BYTES:
            raise ValidationError(field_error("must be at most 16 KiB as JSON", "too_long"))
        return dict(data)

    def to_representation(self, value):
        return value


# --- output fields ----------------------------------------------------------------------------------------


class IsoDateTimeField(serializers.DateTimeField):
    """ISO 8601 UTC ending in `Z`."""

    def to_representation(self, value):
        return iso(value)


class NullIfBlankField(serializers.CharField):
    """A text that is null, never `""`, when unset."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class LinkSerializer(serializers.Serializer):
    href = serializers.CharField()
