"""The client API's part of the OpenAPI schema: drf-spectacular's postprocessing."""

from __future__ import annotations

from conversations.client_api.schema_docs import split_paging_operation


def postprocess(result, generator, request, public):
    return split_paging_operation(result, generator, request, public)
