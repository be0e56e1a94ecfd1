"""Help Scout's thread writes and attachment data (#21): `POST …/reply`, `POST …/notes`, `PATCH …/threads/{id}`
(the text), `POST …/threads/{id}/attachments` and `GET …/attachments/{id}/data`. A Help Scout "thread" is one
of our messages: its id is the message id."""

from __future__ import annotations

import base64
import uuid
from urllib.parse import quote

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import MIB, IntegrationAPIView
from conversations.integration_api.chats import NumberOrStringField
from conversations.integration_api.fields import AttachmentListField, AttachmentSerializer, stored_id
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.messages import staff_sender
from conversations.integration_api.openapi import (
    ATTACHMENT,
    CONVERSATION_ID_PARAM,
    IDEMPOTENCY_ERRORS,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_ATTACHMENTS,
    TAG_CONVERSATIONS,
    UUID_STRING,
    WRITE_ERRORS,
    WRITE_PARAMS,
    IntegrationAutoSchema,
    errors_of,
    example_of,
    moved_response,
    ok_response,
    path_param,
    request_example,
    success_headers,
)
from conversations.media import media_content
from conversations.models import Conversation, Media, Message
from conversations.services import (
    AttachmentDraft,
    MessageDraft,
    message_attachment_add,
    message_text_edit,
    messages_post_batch,
    staff_entry_post,
)
from conversations.typing import agent_typing_set
from devices.models import Customer
from devices.selectors import customers_with_email
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import StrictSerializer, field_error
from messenger_project.numbers import MAX_ID, is_digits

ENTRY_STATUSES = ["active", "pending", "closed"]
THREAD_ID_PARAM = path_param(
    "thread_id", "A thread id: the message id (digits).", pattern=r"^[0-9]{1,19}$", example="10743"
)
ATTACHMENT_ID_PARAM = path_param(
    "attachment_id",
    "The attachment id (a UUID); anything else is a 404.",
    pattern=None,
    type_=UUID_STRING,
    example=ATTACHMENT["id"],
)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise serializers.ValidationError(field_error("must not be only whitespace", "blank"))
    return value


class EntryCustomerSerializer(StrictSerializer):
    id = NumberOrStringField(required=False)
    email = serializers.CharField(max_length=254, required=False)


class HelpScoutNoteSerializer(StrictSerializer):
    """A private note: agents only, never shown to a customer."""

    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    user = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The agent writing; default the key's bot."
    )
    status = serializers.ChoiceField(choices=ENTRY_STATUSES, required=False, help_text="Then move the conversation.")
    attachments = AttachmentListField()

    def validate_text(self, value: str) -> str:
        return _not_blank(value)


class HelpScoutReplySerializer(HelpScoutNoteSerializer):
    """An agent's or bot's answer to the customer."""

    customer = EntryCustomerSerializer(
        required=False, help_text="`id` (number or UUID) or `email`: must be a participant."
    )
    draft = serializers.BooleanField(required=False, default=False, help_text="Only `false`: there are no drafts.")

    def validate_draft(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError(field_error("drafts are not supported", "unsupported"))
        return value


class HelpScoutCustomerThreadSerializer(StrictSerializer):
    """A message as the conversation's customer (Help Scout's customer thread)."""

    customer = EntryCustomerSerializer(help_text="`id` (number or UUID) or `email` of an existing customer.")
    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    attachments = AttachmentListField()

    def validate_text(self, value: str) -> str:
        return _not_blank(value)


class TextPatchSerializer(StrictSerializer):
    """Help Scout's JSON-Patch style operation: only `replace` of `/text`."""

    op = serializers.ChoiceField(choices=["replace"])
    path = serializers.ChoiceField(choices=["/text"])
    value = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)

    def validate_value(self, value: str) -> str:
        return _not_blank(value)


class AttachmentDataSerializer(serializers.Serializer):
    data = serializers.CharField(help_text="The file's bytes, base64.")


class WholeBodyPatchSchema(IntegrationAutoSchema):
    """Help Scout's PATCH body is one whole operation (`op`, `path` and `value` all required), not the partial
    update drf-spectacular assumes of a PATCH: documented as the serializer says."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        method, self.method = self.method, "POST"
        try:
            return super()._get_request_for_media_type(serializer, direction)
        finally:
            self.method = method


def _absolute(request, href: str) -> str:
    return request.build_absolute_uri(href)


def _conversation_path(conversation: Conversation) -> str:
    return f"/api/v2/conversations/{quote(conversation.public_id, safe=':~')}"


def _created(request, conversation: Conversation, message: Message) -> Response:
    location = f"{_conversation_path(conversation)}/messages?after={message.pk - 1}&limit=1"
    return Response(status=201, headers={"Resource-ID": str(message.pk), "Location": _absolute(request, location)})


def _thread(conversation: Conversation, thread_id: str) -> Message:
    pk = stored_id(thread_id)
    message = (
        Message.objects.filter(conversation=conversation, pk=pk).select_related("conversation").first()
        if pk is not None
        else None
    )
    if message is None:
        raise ApiError(404, "not_found", "No such thread.")
    return message


def _customer_named(account, spec: dict) -> tuple[Customer, str]:
    """The live customer of `account` that `spec` names by `id` (number or UUID) or else `email`, and the path
    of the field that named it; `id_or_email_required` / `unknown_customer` otherwise."""
    customers = Customer.objects.filter(account=account, merged_into__isnull=True)
    value = spec.get("id")
    customer = None
    if value not in (None, ""):
        if isinstance(value, int) or (isinstance(value, str) and is_digits(value)):
            number = value if isinstance(value, int) else stored_id(value)
            customer = customers.filter(number=number).first() if number is not None else None
        else:
            try:
                customer = customers.filter(uuid=uuid.UUID(str(value))).first()
            except ValueError:
                customer = None
        path, rejected = "customer.id", value
    elif spec.get("email"):
        customer = customers_with_email(account=account, email=spec["email"]).first()
        path, rejected = "customer.email", spec["email"]
    else:
        raise validation_failed([FieldError("customer", "id_or_email_required", "must contain id or email")])
    if customer is None:
        raise validation_failed([FieldError(path, "unknown_customer", "no such customer", rejected)])
    return customer, path


def _reply_customer_check(conversation: Conversation, spec: dict | None) -> None:
    """Help Scout names the customer a reply goes to; ours goes to every participant, so the one named must be
    one of them (`unknown_customer`, `not_a_participant`)."""
    if not spec:
        return
    customer, path = _customer_named(conversation.account, spec)
    if not conversation.participants.filter(customer=customer).exists():
        raise validation_failed(
            [FieldError(path, "not_a_participant", "is not a participant", spec.get("id") or spec.get("email"))]
        )


ENTRY_ERRORS = (
    *WRITE_ERRORS,
    "not_found",
    "conversation_merged",
    *IDEMPOTENCY_ERRORS,
    "thread_limit_reached",
    "conversation_too_old",
)


class _EntryView(IntegrationAPIView):
    body_limit = 28 * MIB
    private = False
    serializer_class: type[serializers.Serializer] = HelpScoutNoteSerializer

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = self.serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not self.private:
            _reply_customer_check(conversation, data.get("customer"))
        author = staff_sender(self.account, self.api_key, data.get("user"), field="user")
        message = staff_entry_post(
            conversation=conversation,
            author=author,
            text=data["text"],
            attachments=[AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in data.get("attachments", [])],
            private=self.private,
            status=data.get("status"),
        )
        if not self.private:  # as every staff reply does: a reply ends its author's typing
            agent_typing_set(conversation=conversation, agent=author, typing=False, replied=True)
        return _created(request, conversation, message)


def _entry_schema(*, operation_id: str, summary: str, description: str, serializer, example: dict):
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS, *success_headers(201, location=True, resource_id=True)],
        request=serializer,
        examples=[request_example(summary, example)],
        responses={
            201: OpenApiResponse(
                description="Created; empty body. `Resource-ID` holds the new thread's (message's) id."
            ),
            **errors_of(*ENTRY_ERRORS, overrides={"payload_too_large": {"message": "The body is over 28 MiB."}}),
        },
    )


@extend_schema_view(
    post=_entry_schema(
        operation_id="createReplyThread",
        summary="Reply (Help Scout)",
        description="An agent's (`user`) or the key's bot's answer, as `POST …/messages` posts one (a `pending` "
        "session opens if none is open; the app is pushed); then `status` moves the conversation. `customer`, if "
        "given, must be a participant (the reply reaches every participant). `draft: true` is refused.",
        serializer=HelpScoutReplySerializer,
        example={
            "customer": {"id": 456},
            "text": "Thanks, your pens are on their way.",
            "user": 12,
            "status": "pending",
        },
    )
)
class ReplyView(_EntryView):
    serializer_class = HelpScoutReplySerializer


@extend_schema_view(
    post=_entry_schema(
        operation_id="createNoteThread",
        summary="Add a note (Help Scout)",
        description="A private note by an agent (`user`) or the key's bot: agents only, never in a customer's "
        "app, push or the TalkJS-style listing; it moves neither status nor activity (unless `status` is given).",
        serializer=HelpScoutNoteSerializer,
        example={"text": "Customer called: the pens went to the old address.", "user": 12},
    )
)
class NotesView(_EntryView):
    private = True
    serializer_class = HelpScoutNoteSerializer


@extend_schema_view(
    post=_entry_schema(
        operation_id="createCustomerThread",
        summary="Add a customer thread (Help Scout)",
        description="A message by an existing customer (`customer.id`: number or UUID, else `customer.email`), "
        "as the app's would be: it joins the open session (or opens one), the conversation becomes `active`, "
        "webhooks fire. The customer becomes a participant if needed. (`imported` history: use `/chats`.)",
        serializer=HelpScoutCustomerThreadSerializer,
        example={"customer": {"id": 456}, "text": "And a box of paper clips, please."},
    )
)
class CustomerThreadView(IntegrationAPIView):
    body_limit = 28 * MIB

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = HelpScoutCustomerThreadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer, _ = _customer_named(self.account, data["customer"])
        attachments = tuple(
            AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in data.get("attachments", [])
        )
        [message_id] = messages_post_batch(
            conversation=conversation,
            drafts=[MessageDraft(author=customer, text=data["text"], attachments=attachments)],
            origin=Message.Origin.REST,
        )
        return _created(request, conversation, Message(pk=message_id))


@extend_schema_view(
    patch=extend_schema(
        operation_id="updateThread",
        summary="Update a thread's text (Help Scout)",
        description='`{"op": "replace", "path": "/text", "value": "…"}` replaces the text of an agent\'s or '
        "bot's reply or note (422 `thread_not_editable` for a customer's or system message). Answers 204; the audit "
        "log records the edit.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, THREAD_ID_PARAM, *WRITE_PARAMS],
        request=TextPatchSerializer,
        examples=[request_example("Replace the text", {"op": "replace", "path": "/text", "value": "Corrected text"})],
        responses={
            204: OpenApiResponse(description="Updated; empty body."),
            **errors_of(*WRITE_ERRORS, "not_found", "conversation_merged", *IDEMPOTENCY_ERRORS, "thread_not_editable"),
        },
    )
)
class ThreadUpdateView(IntegrationAPIView):
    schema = WholeBodyPatchSchema()

    def patch(self, request, conversation_id: str, thread_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        message = _thread(conversation, thread_id)
        payload = TextPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message_text_edit(message=message, text=payload.validated_data["value"], by=getattr(self.api_key, "bot", None))
        return Response(status=204)


@extend_schema_view(
    post=extend_schema(
        operation_id="uploadThreadAttachment",
        summary="Upload an attachment to a thread (Help Scout)",
        description="`fileName`, `mimeType` and base64 `data`, checked as every attachment of this API (1 B–10 MiB, "
        "a `type/subtype` mime type); at most 5 on a message (409 `too_many_attachments`); only on an agent's or "
        "bot's reply or note (422). Answers 201 with `Resource-ID` (the attachment id) and `Location` (its data).",
        tags=[TAG_ATTACHMENTS],
        parameters=[
            CONVERSATION_ID_PARAM,
            THREAD_ID_PARAM,
            *WRITE_PARAMS,
            *success_headers(201, location=True, resource_id=True),
        ],
        request=AttachmentSerializer,
        examples=[
            request_example("A text file", {"fileName": "file.txt", "mimeType": "text/plain", "data": "ZmlsZQ=="})
        ],
        responses={
            201: OpenApiResponse(description="Created; empty body. `Resource-ID` holds the attachment id."),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "too_many_attachments",
                "thread_not_editable",
                overrides={"payload_too_large": {"message": "The body is over 28 MiB."}},
            ),
        },
    )
)
class ThreadAttachmentsView(IntegrationAPIView):
    body_limit = 28 * MIB

    def post(self, request, conversation_id: str, thread_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        message = _thread(conversation, thread_id)
        payload = AttachmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        media = message_attachment_add(
            message=message,
            attachment=AttachmentDraft(data["fileName"], data["mimeType"], data["data"]),
            by=getattr(self.api_key, "bot", None),
        )
        location = _absolute(request, f"{_conversation_path(conversation)}/attachments/{media.uuid}/data")
        return Response(status=201, headers={"Resource-ID": str(media.uuid), "Location": location})


@extend_schema_view(
    get=extend_schema(
        operation_id="getAttachmentData",
        summary="Get an attachment's data (Help Scout)",
        description='`{"data": "<base64>"}`, as Help Scout answers; the raw bytes are at '
        "`/api/v2/attachments/{id}`. An attachment of another conversation or account is a 404. A merged id gives "
        "301 to the same path of the conversation at the end of the merge chain.",
        tags=[TAG_ATTACHMENTS],
        parameters=[CONVERSATION_ID_PARAM, ATTACHMENT_ID_PARAM, MOVED_LOCATION],
        responses={
            200: ok_response(AttachmentDataSerializer, "The file, base64.", example_of("Data", {"data": "ZmlsZQ=="})),
            301: moved_response("Merged", "A", "C", f"/api/v2/conversations/C/attachments/{ATTACHMENT['id']}/data"),
            **errors_of(*READ_ERRORS),
        },
    )
)
class AttachmentDataView(IntegrationAPIView):
    def get(self, request, conversation_id: str, attachment_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        try:
            media_uuid = uuid.UUID(attachment_id)
        except ValueError:
            media_uuid = None
        media = (
            Media.objects.filter(account=self.account, uuid=media_uuid, message__conversation=conversation).first()
            if media_uuid
            else None
        )
        if media is None:
            raise ApiError(404, "not_found", "No such attachment.")
        try:
            content = media_content(media)
        except FileNotFoundError:  # storage down: ServiceError storage_unavailable, a 503 in this API's body
            raise ApiError(404, "not_found", "No such attachment.") from None
        return Response(AttachmentDataSerializer({"data": base64.b64encode(content).decode("ascii")}).data)
