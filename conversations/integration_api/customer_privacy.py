"""Data protection on /api/v2 (#22): export everything held about a customer, and erase them.

`GET /api/v2/customers/{id}/export` answers the ZIP of `conversations.customer_export` (`export.json` and
`media/<name>`); `POST /api/v2/customers/{id}/erase` erases the customer (`conversations.services.erasure`) and
answers 204. POST, not DELETE: the customer is not deleted (its row, and the conversations' shape, stay), and an
action with a path of its own cannot be mistaken for Help Scout's customer DELETE. It takes no body; an
`Idempotency-Key` makes a retry safe (erasing twice changes nothing more anyway). Both are bound to the key's
account: a customer of another account is a 404, as an unknown one is. Both are audited, naming the key.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.response import Response

from conversations.customer_export import customer_export
from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.customers import CUSTOMER_ID, TAG_CUSTOMERS, customer_lookup
from conversations.integration_api.openapi import IDEMPOTENCY_ERRORS, READ_ERRORS, WRITE_PARAMS, errors_of
from conversations.services.erasure import customer_erase


@extend_schema_view(
    get=extend_schema(
        operation_id="exportCustomer",
        summary="Export everything held about a customer",
        description="A ZIP: `export.json` (the profile with custom fields and note, the customers merged into it, "
        "devices with their push tokens, the messages of the customer's conversations without the agents' private "
        "notes, receipts, satisfaction ratings, uploads, and the deliveries concerning the customer with their "
        "payloads) and `media/<name>`, the files of those messages and uploads. Audited.",
        tags=[TAG_CUSTOMERS],
        parameters=[CUSTOMER_ID],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The ZIP."),
            **errors_of(*READ_ERRORS),
        },
    )
)
class CustomerExportView(IntegrationAPIView):
    def get(self, request, customer_id: str):
        customer = customer_lookup(self.account, customer_id)
        archive = customer_export(customer=customer, actor=None, by=f"API key {self.api_key.prefix}…")
        return FileResponse(
            archive,
            as_attachment=True,
            filename=f"customer-{customer.number}-export.zip",
            content_type="application/zip",
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="eraseCustomer",
        summary="Erase a customer",
        description="In one transaction: the profile and device data removed (the customer's devices are refused "
        "from then on), the customer's messages' text replaced by `[erased]` and their attachments deleted, the "
        "deliveries concerning them scrubbed; the conversations keep their threads, message rows and times, and the "
        "agents' messages and notes. Audited. No body. Answers 204; erasing again changes nothing more.",
        tags=[TAG_CUSTOMERS],
        parameters=[CUSTOMER_ID, *WRITE_PARAMS],
        request=None,
        responses={
            204: OpenApiResponse(description="Erased; empty body."),
            **errors_of(
                "payload_too_large", "malformed_json", "unsupported_media_type", "not_found", *IDEMPOTENCY_ERRORS
            ),
        },
    )
)
class CustomerEraseView(IntegrationAPIView):
    def post(self, request, customer_id: str):
        customer = customer_lookup(self.account, customer_id)
        customer_erase(customer=customer, actor=None, by=f"API key {self.api_key.prefix}…")
        return Response(status=204)
