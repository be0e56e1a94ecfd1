"""The integration API's part of the OpenAPI schema: drf-spectacular's postprocessing and enum names."""

from __future__ import annotations

from conversations.integration_api.schema_docs import (
    CONVERSATION_STATUS_CHOICES,
    MESSAGE_TYPE_CHOICES,
    integers_are_64_bit,
    v1_batch_limits,
)

__all__ = ["CONVERSATION_STATUS_CHOICES", "MESSAGE_TYPE_CHOICES", "postprocess"]


def postprocess(result, generator, request, public):
    result = v1_batch_limits(result, generator, request, public)
    return integers_are_64_bit(result, generator, request, public)
