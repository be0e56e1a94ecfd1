"""The integration API's part of the OpenAPI schema: drf-spectacular's postprocessing and enum names."""

from __future__ import annotations

from conversations.integration_api.messages import MAX_BATCH

CONVERSATION_STATUS_CHOICES = [("active", "active"), ("pending", "pending"), ("closed", "closed"), ("spam", "spam")]


# The statuses a Help Scout reply or note may move its conversation to (#21).
ENTRY_STATUS_CHOICES = [("active", "active"), ("pending", "pending"), ("closed", "closed")]


MESSAGE_TYPE_CHOICES = [("UserMessage", "UserMessage"), ("SystemMessage", "SystemMessage")]


V1_MESSAGES_PATH = "/api/v1/{app_id}/conversations/{conversation_id}/messages"


def v1_batch_limits(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS: the [S2] batch holds 1 to 10 messages (`empty`, `too_many_items` otherwise), which
    drf-spectacular cannot say of a list serializer's body."""
    operation = result["paths"].get(V1_MESSAGES_PATH, {}).get("post")
    for media in (operation or {}).get("requestBody", {}).get("content", {}).values():
        media["schema"].update(minItems=1, maxItems=MAX_BATCH)
    return result


def integers_are_64_bit(result: dict, generator, request, public) -> dict:
    """POSTPROCESSING_HOOKS, for both APIs: every integer they take or give is a signed 64-bit one (the bigint
    columns; the edge check of `messenger_project.json_input` refuses any other as `out_of_range`), so each integer
    schema without a format says `int64`."""
    stack: list = [result["paths"], result.get("components", {}).get("schemas", {})]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "integer" and "format" not in node:
                node["format"] = "int64"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return result


def postprocess(result, generator, request, public):
    result = v1_batch_limits(result, generator, request, public)
    return integers_are_64_bit(result, generator, request, public)
