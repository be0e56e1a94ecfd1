"""Integration API [S3]: `POST /api/v2/conversations/{id}/chats`, create a chat thread (spec §7.3, seed 003)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import MIB, IntegrationAPIView
from conversations.integration_api.fields import AttachmentListField, stored_id
from conversations.integration_api.identifiers import identifiers_normalized
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    CONVERSATION_ID_PARAM,
    IDEMPOTENCY_ERRORS,
    TAG_CONVERSATIONS,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    request_example,
    success_headers,
)
from conversations.services import AttachmentDraft, chat_thread_create
from devices.models import Customer
from devices.normalize import InvalidIdentifier, email_normalize, phone_normalize
from devices.selectors import customers_with_email
from devices.services import customer_api_create
from messenger_project.integration_api.errors import FieldError, field_errors, validation_failed
from messenger_project.integration_api.serializers import StrictSerializer, field_error
from messenger_project.numbers import is_digits

PHOTO_TYPES = ["unknown", "gravatar", "twitter", "facebook", "googleprofile", "googleplus", "linkedin", "instagram"]
CUSTOMER_KEYS = {
    "id",
    "email",
    "firstName",
    "lastName",
    "phone",
    "photoUrl",
    "jobTitle",
    "photoType",
    "background",
    "location",
    "organization",
    "gender",
    "age",
}
FUTURE_TOLERANCE = timedelta(minutes=5)


class NewCustomerSerializer(StrictSerializer):
    """Validated only when a customer is created: a matched customer's fields are ignored (§10.10)."""

    id = serializers.JSONField(required=False)
    email = serializers.CharField(max_length=254)
    firstName = serializers.CharField(min_length=1, max_length=40, required=False)
    lastName = serializers.CharField(min_length=1, max_length=40, required=False)
    phone = serializers.CharField(max_length=64, required=False)
    photoUrl = serializers.URLField(max_length=200, required=False)
    jobTitle = serializers.CharField(max_length=60, required=False, allow_blank=True)
    photoType = serializers.ChoiceField(choices=PHOTO_TYPES, required=False)
    background = serializers.CharField(max_length=200, required=False, allow_blank=True)
    location = serializers.CharField(max_length=60, required=False, allow_blank=True)
    organization = serializers.CharField(max_length=60, required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=["male", "female", "unknown"], required=False)
    age = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate(self, attrs):
        return identifiers_normalized(attrs, {"email": (email_normalize, False), "phone": (phone_normalize, False)})


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "The customer's `number` or UUID `id`."}
)
class NumberOrStringField(serializers.JSONField):
    pass


class ChatCustomerSerializer(NewCustomerSerializer):
    """`customer` of `/chats`: `id` or `email` is required; the other fields apply only to a new customer."""

    id = NumberOrStringField(required=False)
    email = serializers.EmailField(required=False, help_text="Used only when `id` is absent.")


@extend_schema_field(ChatCustomerSerializer)
class ChatCustomerField(serializers.DictField):
    """Read as it comes: matched by id or email first, then validated only if a new customer is made."""


@extend_schema_field(
    {"type": "string", "format": "date-time", "description": "ISO 8601 UTC with `Z`; only with `imported`."}
)
class ImportedAtField(serializers.CharField):
    pass


class ChatThreadSerializer(StrictSerializer):
    """A chat thread to add: its first message and the customer who wrote it."""

    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    customer = ChatCustomerField()
    imported = serializers.BooleanField(required=False, default=False)
    createdAt = ImportedAtField(required=False)
    attachments = AttachmentListField()

    def validate_imported(self, value):
        if not isinstance(self.initial_data.get("imported", False), bool):
            raise serializers.ValidationError(field_error("must be a JSON boolean", "wrong_type"))
        return value

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(field_error("must not be only whitespace", "blank"))
        return value

    def validate_customer(self, value: dict) -> dict:
        errors = {
            key: [field_error("is not a known field", "unknown_field")] for key in value if key not in CUSTOMER_KEYS
        }
        if errors:
            raise serializers.ValidationError(errors)
        if value.get("id") in (None, "") and not value.get("email"):
            raise serializers.ValidationError(field_error("must contain id or email", "id_or_email_required"))
        return value

    def validate_createdAt(self, value: str):
        try:
            moment = parse_datetime(value) if value.endswith("Z") else None
        except ValueError:  # well formed, but no such time (12:99)
            moment = None
        if moment is None:
            raise serializers.ValidationError(field_error("must be ISO 8601 UTC ending in Z", "invalid_datetime"))
        if moment > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError(field_error("must not be in the future", "in_future"))
        return moment

    def validate(self, attrs):
        if "createdAt" in attrs and not attrs["imported"]:
            raise serializers.ValidationError({"createdAt": [field_error("needs imported: true", "requires_imported")]})
        return attrs


@extend_schema_view(
    post=extend_schema(
        operation_id="createChatThread",
        summary="Create a chat thread",
        description="Finds the customer by `customer.id` (number or UUID), else by `customer.email`, else creates one "
        "from the email and the optional fields. Not imported: closes any open thread (`superseded`), opens the new "
        "one and makes the conversation `active`. Imported: stored closed, with no notifications. Answers 201 with an "
        "empty body and `Resource-ID`.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS, *success_headers(201, resource_id=True)],
        request=ChatThreadSerializer,
        examples=[
            request_example(
                "Chat with an attachment",
                {
                    "customer": {"id": 456},
                    "text": "Buy more pens",
                    "attachments": [{"fileName": "file.txt", "mimeType": "plain/text", "data": "ZmlsZQ=="}],
                },
            )
        ],
        responses={
            201: OpenApiResponse(description="Created; empty body. `Resource-ID` holds the new thread id."),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                "phone_taken",
                "email_taken",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={"payload_too_large": {"message": "The body is over 28 MiB."}},
            ),
        },
    )
)
class ChatsView(IntegrationAPIView):
    body_limit = 28 * MIB

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ChatThreadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer = self._customer(data["customer"])
        thread = chat_thread_create(
            conversation=conversation,
            customer=customer,
            text=data["text"],
            attachments=[AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in data.get("attachments", [])],
            imported=data["imported"],
            created_at=data.get("createdAt"),
        )
        return Response(status=201, headers={"Resource-ID": str(thread.pk)})

    def _customer(self, spec: dict):
        """The customer by id (number or UUID), else by email; else a factory creating one after the 412 checks."""
        if spec.get("id") not in (None, ""):
            found = self._by_id(spec["id"])
            if found is None:
                raise validation_failed([FieldError("customer.id", "unknown_customer", "no such customer", spec["id"])])
            return found
        try:
            email = email_normalize(str(spec["email"]))
        except InvalidIdentifier:
            email = None
        found = customers_with_email(account=self.account, email=email).first() if email else None
        if found is not None:
            return found
        new = NewCustomerSerializer(data=spec)
        if not new.is_valid():
            raise validation_failed(field_errors({"customer": new.errors}, {"customer": spec}))
        fields = new.validated_data
        profile = {
            k: fields[k]
            for k in ("jobTitle", "photoType", "background", "location", "organization", "gender", "age")
            if k in fields
        }
        return lambda: customer_api_create(
            account=self.account,
            source="chat",
            email=fields["email"],
            phone=fields.get("phone", ""),
            first_name=fields.get("firstName", ""),
            last_name=fields.get("lastName", ""),
            photo_url=fields.get("photoUrl", ""),
            profile=profile,
            conflict_codes={"phoneNumber": "phone_taken", "email": "email_taken"},
        )

    def _by_id(self, value) -> Customer | None:
        customers = Customer.objects.filter(account=self.account, merged_into__isnull=True)
        if isinstance(value, int) or (isinstance(value, str) and is_digits(value)):
            number = value if isinstance(value, int) else stored_id(value)
            return customers.filter(number=number).first() if number is not None else None
        try:
            return customers.filter(uuid=uuid.UUID(str(value))).first()
        except ValueError:
            return None
