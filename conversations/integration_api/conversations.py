"""Conversations: the list, one conversation (get, update), and merges. The TalkJS-style routes under
`/api/v1/{appId}/…` live in talkjs.py."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import Agent
from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import (
    QueryDateTimeField,
    QueryIdField,
    query_validated,
    stored_id,
)
from conversations.integration_api.lookups import conversation_lookup, conversation_merged
from conversations.integration_api.mailboxes import mailbox_check, mailbox_refused
from conversations.integration_api.openapi import (
    CONVERSATION,
    CONVERSATION_ID_PARAM,
    IDEMPOTENCY_ERRORS,
    MOVED_LOCATION,
    NO_CONTROL_CHARACTERS,
    READ_ERRORS,
    TAG_CONVERSATIONS,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    example_of,
    int_query_param,
    moved_response,
    ok_response,
    or_empty,
    query_param,
    request_example,
    success_headers,
)
from conversations.integration_api.pages import hal_list, hal_list_serializer
from conversations.integration_api.search import MAX_QUERY_LENGTH, QuerySyntaxError, conversation_search_q
from conversations.models import Conversation
from conversations.representations import API_STATUSES, ConversationSerializer, conversation_v2
from conversations.selectors import conversations_for_api, conversations_with_label_named
from conversations.services import (
    conversation_merge,
    conversation_snooze,
    conversation_update,
    conversation_wake,
    labels_set,
)
from conversations.services.starting import ThreadDraft, conversation_delete, conversation_start
from conversations.services.updates import KEEP
from devices.models import Customer
from devices.selectors import email_owner
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import FieldError, field_errors, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer, field_error


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


SORT_FIELDS = {
    "lastActivityAt": "last_activity_at",
    "createdAt": "created_at",
    "modifiedAt": "updated_at",  # Help Scout's names from here on
    "number": "pk",
    "status": "status",
    "subject": "subject",
    "waitingSince": "waiting_since",
}
LIST_STATUSES = ["active", "pending", "snoozed", "closed", "spam", "open", "all"]
# What each status filter takes: the API shows a snoozed conversation as pending (with its `snooze`).
STATUS_FILTERS = {
    "open": [*Conversation.OPEN_STATUSES, Conversation.Status.SNOOZED],
    "pending": [Conversation.Status.PENDING, Conversation.Status.SNOOZED],
}


class ConversationListQuery(StrictSerializer):
    """The filters, order and page of the conversation list; an empty filter means no filter."""

    status = serializers.ChoiceField(
        choices=LIST_STATUSES,
        default="all",
        help_text="`open` means active and pending (snoozed ones included: they show as pending); `snoozed` only the "
        "snoozed; `all` leaves spam out.",
    )
    customerId = serializers.CharField(
        required=False, allow_blank=True, help_text="A customer UUID or number; empty means no filter."
    )
    participantUserId = serializers.CharField(
        required=False, allow_blank=True, help_text="A participant's UUID or number; empty means no filter."
    )
    assigneeId = QueryIdField(required=False, blank_is_absent=True, help_text="An agent id; empty means no filter.")
    modifiedSince = QueryDateTimeField(required=False, help_text="ISO 8601; empty means no filter.")
    visible = serializers.ChoiceField(
        choices=["true", "false"], required=False, allow_blank=True, help_text="Empty means no filter."
    )
    tag = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="A label's name; empty means no filter."
    )
    assigned_to = QueryIdField(
        required=False, blank_is_absent=True, help_text="Help Scout's name of `assigneeId`; empty means no filter."
    )
    mailbox = QueryIdField(required=False, blank_is_absent=True, help_text="The account's mailbox id only.")
    query = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH, help_text="Help Scout's search syntax."
    )
    sortField = serializers.ChoiceField(choices=list(SORT_FIELDS), default="lastActivityAt")
    sortOrder = serializers.ChoiceField(choices=["desc", "asc"], default="desc")
    page = QueryIdField(default=1, help_text="1-based.")
    size = QueryIdField(max_value=100, default=25, help_text="1–100.")

    def validate_query(self, value: str):
        if not value.strip():
            return None
        try:
            return conversation_search_q(value)
        except QuerySyntaxError as error:
            raise serializers.ValidationError(
                field_error(f"is not a search Help Scout's syntax allows: {error}", "invalid_query")
            ) from None

    @staticmethod
    def filter(queryset, query: dict, account):
        status = query["status"]
        if status == "all":
            queryset = queryset.exclude(status=Conversation.Status.SPAM)
        else:
            queryset = queryset.filter(status__in=STATUS_FILTERS.get(status, [status]))
        customer_id = query.get("customerId") or query.get("participantUserId")
        if customer_id:
            number, customer_uuid = stored_id(customer_id), _uuid_or_none(customer_id)
            if number is not None:
                queryset = queryset.filter(participants__customer__number=number)
            else:
                queryset = (
                    queryset.filter(participants__customer__uuid=customer_uuid) if customer_uuid else queryset.none()
                )
        for name in ("assigneeId", "assigned_to"):
            if query.get(name):
                queryset = queryset.filter(assignee_id=query[name])
        if query.get("query") is not None:
            queryset = queryset.filter(query["query"])
        if query.get("modifiedSince"):
            queryset = queryset.filter(updated_at__gte=query["modifiedSince"])
        if query.get("visible"):
            queryset = queryset.filter(visible=query["visible"] == "true")
        if query.get("tag"):
            queryset = conversations_with_label_named(queryset, account=account, name=query["tag"])
        order = SORT_FIELDS[query["sortField"]]
        if query["sortOrder"] == "desc":
            return queryset.order_by(f"-{order}", "-pk")
        return queryset.order_by(order, "pk")


# --- Help Scout's create, JSON-Patch update and delete (#21) ----------------------------------------------------

THREAD_TYPES = ["customer", "chat", "reply", "note"]
CREATE_STATUSES = ["active", "pending", "closed", "spam"]
CONVERSATION_TYPES = ["chat", "email"]


class HelpScoutCustomerSerializer(StrictSerializer):
    """Who the conversation is with: an existing customer (`id`: its number, or its UUID), or one found by `email`
    (any case), else made of these fields."""

    id = serializers.CharField(required=False, max_length=64, help_text="The customer's number (or UUID).")
    email = serializers.EmailField(required=False, max_length=254)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=100)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=100)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate(self, attrs):
        if not attrs.get("id") and not attrs.get("email"):
            raise serializers.ValidationError(field_error("give the customer's id or email", "required"))
        return attrs


class HelpScoutThreadSerializer(StrictSerializer):
    type = serializers.ChoiceField(
        choices=THREAD_TYPES,
        help_text="`customer` and `chat`: the customer writes; `reply`: an agent answers; `note`: a private note.",
    )
    text = serializers.CharField(max_length=10_000, help_text="Plain text (HTML is stored as it comes).")
    customer = serializers.DictField(
        required=False, help_text="Accepted for Help Scout's clients; the author is the conversation's customer."
    )
    user = serializers.IntegerField(
        required=False, min_value=1, help_text="The agent of a `reply` or `note`; else the key's bound bot."
    )
    draft = serializers.BooleanField(required=False, help_text="Only `false`: there are no drafts here.")

    def validate_draft(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError(field_error("drafts are not supported", "unsupported"))
        return value


class ConversationCreateSerializer(StrictSerializer):
    """Help Scout's new conversation."""

    subject = serializers.CharField(max_length=255, allow_blank=True)
    customer = HelpScoutCustomerSerializer()
    mailboxId = serializers.IntegerField(required=False, help_text="The account's mailbox id (`/mailboxes`).")
    type = serializers.ChoiceField(
        choices=CONVERSATION_TYPES, required=False, help_text="Accepted; every conversation here is a chat."
    )
    status = serializers.ChoiceField(choices=CREATE_STATUSES, required=False, help_text="After the threads.")
    threads = HelpScoutThreadSerializer(many=True, min_length=1, max_length=100, help_text="Oldest first.")
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=50)
    assignTo = serializers.IntegerField(required=False, min_value=1, help_text="An agent id of the account.")
    autoReply = serializers.BooleanField(required=False, help_text="Accepted and ignored (no auto-replies here).")
    imported = serializers.BooleanField(required=False, help_text="Only `false`.")

    def validate_imported(self, value: bool) -> bool:
        if value:
            raise serializers.ValidationError(field_error("imports go through the v1 batch", "unsupported"))
        return value


def _agent_of(account, agent_id: int, path: str) -> Agent:
    agent = Agent.objects.filter(pk=agent_id, memberships__account=account).first()
    if agent is None:
        raise validation_failed([FieldError(path, "not_staff", "is not an agent of this account", agent_id)])
    return agent


def _customer_of(account, data: dict):
    """(customer, None) for an id or a known email, else (None, the fields of a new one)."""
    if data.get("id"):
        number, key = stored_id(data["id"]), _uuid_or_none(data["id"])
        customers = Customer.objects.filter(account=account, merged_into__isnull=True)
        found = customers.filter(number=number).first() if number else None
        found = found or (customers.filter(uuid=key).first() if key else None)
        if found is None:
            raise validation_failed([FieldError("customer.id", "unknown_customer", "no such customer", data["id"])])
        return found, None
    found = email_owner(account=account, email=data["email"])
    if found is not None:
        return found, None
    first, last = data.get("firstName", ""), data.get("lastName", "")
    fields = {"email": data["email"], "first_name": first, "last_name": last}
    fields["name"] = f"{first} {last}".strip() or data["email"].split("@")[0]
    if data.get("phone"):
        fields["phone"] = data["phone"]
    return None, fields


def conversation_created(request, account, api_key, data: dict) -> Conversation:
    """`POST /conversations`: checks what the services cannot, then `conversation_start`."""
    if "mailboxId" in data:
        mailbox_check(account, data["mailboxId"], "mailboxId")
    customer, new_customer = _customer_of(account, data["customer"])
    drafts = []
    for i, thread in enumerate(data["threads"]):
        author = None
        if thread["type"] in {"reply", "note"}:
            if "user" in thread:
                author = _agent_of(account, thread["user"], f"threads[{i}].user")
            elif api_key.bot is not None:
                author = api_key.bot
            else:
                raise validation_failed(
                    [FieldError(f"threads[{i}].user", "sender_required", "no user and no bot bound to the key")]
                )
        kind = "customer" if thread["type"] == "chat" else thread["type"]
        drafts.append(ThreadDraft(kind=kind, text=thread["text"], author=author))
    assignee = _agent_of(account, data["assignTo"], "assignTo") if "assignTo" in data else KEEP
    return conversation_start(
        account=account,
        customer=customer,
        new_customer=new_customer,
        subject=data["subject"],
        threads=drafts,
        status=data.get("status"),
        tags=data.get("tags", []),
        assignee=assignee,
    )


class PatchOperationSerializer(StrictSerializer):
    """One of Help Scout's JSON-Patch-like operations."""

    op = serializers.ChoiceField(choices=["replace", "add", "remove", "move"])
    path = serializers.ChoiceField(choices=["/status", "/assignTo", "/subject", "/mailboxId"])
    value = serializers.JSONField(required=False, help_text="Left out for `remove`.")


PATCH_OPERATIONS = {
    ("replace", "/status"): "status",
    ("replace", "/assignTo"): "assigneeId",
    ("add", "/assignTo"): "assigneeId",
    ("remove", "/assignTo"): "assigneeId",
    ("replace", "/subject"): "subject",
    ("move", "/mailboxId"): None,
    ("replace", "/mailboxId"): None,
}


def _at(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def patch_operations_changes(account, operations: list, prefixes: list[str]) -> dict:
    """The body of today's PATCH (`ConversationUpdateSerializer`) that Help Scout's operations mean: every
    operation is checked before anything is written; a later one on the same path wins."""
    errors, legacy, origin = [], {}, {}
    for operation, prefix in zip(operations, prefixes, strict=True):
        payload = PatchOperationSerializer(data=operation)
        if not payload.is_valid():
            errors += field_errors(payload.errors, operation, prefix)
            continue
        op, path = payload.validated_data["op"], payload.validated_data["path"]
        if (op, path) not in PATCH_OPERATIONS:
            errors.append(FieldError(_at(prefix, "op"), "unsupported_operation", f"no {op} of {path}", op))
            continue
        if op != "remove" and "value" not in payload.validated_data:
            errors.append(FieldError(_at(prefix, "value"), "required", "This field is required."))
            continue
        value = payload.validated_data.get("value")
        name = PATCH_OPERATIONS[(op, path)]
        if name is None:
            refused = mailbox_refused(account, value, _at(prefix, "value"))
            if refused is not None:
                errors.append(refused)
            continue
        legacy[name], origin[name] = (None if op == "remove" else value), _at(prefix, "value")
    if errors:
        raise validation_failed(errors)
    if not legacy:
        return {"fields": {}, "status": None}
    payload = ConversationUpdateSerializer(data=legacy, context={"account": account})
    if not payload.is_valid():
        found = field_errors(payload.errors, legacy)
        raise validation_failed(
            [FieldError(origin.get(e.path, e.path), e.code, e.message, e.rejected_value) for e in found]
        )
    return payload.changes()


def patch_is_operations(data) -> bool:
    """Help Scout's form: an operation object, or a list of them (today's body is an object without `op`)."""
    return isinstance(data, list) or (isinstance(data, dict) and "op" in data)


ConversationPageSerializer = hal_list_serializer("Conversation", "conversations", ConversationSerializer)


@extend_schema_view(
    get=extend_schema(
        operation_id="listConversations",
        summary="List conversations",
        description="A HAL page. The default status `all` leaves out spam; merged tombstones never appear. A page past "
        "the end is an empty list.",
        tags=[TAG_CONVERSATIONS],
        parameters=[
            query_param(
                "status",
                description="`open` means active and pending; `pending` takes the snoozed too (they show as pending), "
                "`snoozed` only them.",
                enum=LIST_STATUSES,
                default="all",
            ),
            query_param("customerId", description="A customer UUID or number; empty means no filter."),
            query_param("participantUserId", description="A participant's UUID or number; empty means no filter."),
            int_query_param("assigneeId", "An agent id (a positive integer); empty means no filter.", empty=True),
            query_param(
                "modifiedSince",
                or_empty({"type": "string", "format": "date-time"}),
                "ISO 8601; empty means no filter.",
            ),
            query_param("visible", or_empty({"type": "boolean"}), "Empty means no filter."),
            query_param(
                "tag",
                {"type": "string", "maxLength": 50, "pattern": NO_CONTROL_CHARACTERS},
                "A label's name (any case); empty means no filter.",
            ),
            int_query_param("assigned_to", "Help Scout's name of `assigneeId`.", empty=True),
            int_query_param("mailbox", "The account's mailbox id (`unknown_mailbox` otherwise).", empty=True),
            query_param(
                "query",
                {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": NO_CONTROL_CHARACTERS},
                'Help Scout\'s search syntax: `(subject:"late order")`, `(email:"a@b.com")`, `(body:"refund")`, '
                "`tag:`, `number:`, plain words (subject, text, customer email and name), `AND`, `OR`, `NOT`, "
                "parentheses. Anything else is `invalid_query`.",
            ),
            query_param("sortField", enum=list(SORT_FIELDS), default="lastActivityAt"),
            query_param("sortOrder", enum=["desc", "asc"], default="desc"),
            int_query_param("page", "1-based.", default=1),
            int_query_param("size", "1–100.", maximum=100, default=25),
        ],
        responses={
            200: ok_response(
                ConversationPageSerializer,
                "A page.",
                example_of(
                    "Page 2 of 3",
                    {
                        "_embedded": {"conversations": [CONVERSATION]},
                        "page": {"size": 25, "totalElements": 51, "totalPages": 3, "number": 2},
                        "_links": {
                            "self": {"href": "https://messenger.example.com/api/v2/conversations?page=2"},
                            "first": {"href": "https://messenger.example.com/api/v2/conversations?page=1"},
                            "previous": {"href": "https://messenger.example.com/api/v2/conversations?page=1"},
                            "prev": {"href": "https://messenger.example.com/api/v2/conversations?page=1"},
                            "next": {"href": "https://messenger.example.com/api/v2/conversations?page=3"},
                            "last": {"href": "https://messenger.example.com/api/v2/conversations?page=3"},
                        },
                    },
                ),
            ),
            **errors_of(
                "validation_failed",
                *READ_ERRORS,
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "query.size",
                                "code": "out_of_range",
                                "message": "is not an allowed value",
                                "rejectedValue": "500",
                            }
                        ]
                    }
                },
            ),
        },
    ),
    post=extend_schema(
        operation_id="createConversation",
        summary="Create a conversation (Help Scout)",
        description="Help Scout's `POST /conversations`: the conversation, its customer (by `id`, else found by "
        "`email`, else made) and its threads in order (`customer`/`chat` from the customer, `reply` from `user` or the "
        "key's bot, `note` private), then `tags`, `assignTo` and `status`. All or nothing. Answers 201 with an empty "
        "body, `Resource-ID` (the new conversation's id: a number) and an absolute `Location`.",
        tags=[TAG_CONVERSATIONS],
        parameters=[*WRITE_PARAMS, *success_headers(201, location=True, resource_id=True)],
        request=ConversationCreateSerializer,
        examples=[
            request_example(
                "Help Scout",
                {
                    "subject": "Where are my pens?",
                    "customer": {"email": "alice@example.com", "firstName": "Alice"},
                    "mailboxId": 1,
                    "type": "chat",
                    "status": "active",
                    "threads": [{"type": "customer", "text": "Hello, where are my pens?"}],
                    "tags": ["orders"],
                },
            )
        ],
        responses={
            201: OpenApiResponse(description="Created; empty body."),
            **errors_of(
                *WRITE_ERRORS,
                *IDEMPOTENCY_ERRORS,
                "user_exists",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "mailboxId",
                                "code": "unknown_mailbox",
                                "message": "is not this account's mailbox",
                                "rejectedValue": 77,
                            }
                        ]
                    }
                },
            ),
        },
    ),
)
class ConversationListView(IntegrationAPIView):
    def post(self, request):
        payload = ConversationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        conversation = conversation_created(request, self.account, self.api_key, payload.validated_data)
        location = request.build_absolute_uri(f"/api/v2/conversations/{conversation.public_id}")
        return Response(status=201, headers={"Resource-ID": conversation.public_id, "Location": location})

    def get(self, request):
        query = query_validated(ConversationListQuery, request)
        if query.get("mailbox"):
            mailbox_check(self.account, query["mailbox"], "query.mailbox")
        page, size = query["page"], query["size"]
        queryset = ConversationListQuery.filter(conversations_for_api(account=self.account), query, self.account)
        total = queryset.count()
        offset = (page - 1) * size
        # A page past the end is empty and not asked for: its offset can be beyond a bigint.
        rows = list(queryset[offset : offset + size]) if offset < total else []
        items = ConversationSerializer(rows, many=True).data
        return Response(hal_list(request, key="conversations", items=items, page=page, size=size, total=total))


@extend_schema_field(serializers.IntegerField(min_value=1, allow_null=True))
class AssigneeIdField(serializers.JSONField):
    """Read as it comes: anything that is not an agent id of the account is `not_staff`."""


class ConversationUpdateSerializer(StrictSerializer):
    """What to change; at least one field."""

    status = serializers.ChoiceField(
        choices=API_STATUSES, required=False, help_text="A snoozed conversation wakes to this status."
    )
    assigneeId = AssigneeIdField(
        required=False,
        allow_null=True,
        help_text="An agent id (a person or a bot) of the account (`not_staff` otherwise), or null to unassign.",
    )
    subject = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    custom = CustomDataField(strings_only=True, required=False, allow_null=True)

    def validate_assigneeId(self, value):  # noqa: N802
        """An agent (person or bot) of the account, or None to unassign."""
        if value is None:
            return None
        agent_id = stored_id(str(value))
        account = self.context["account"]
        agent = Agent.objects.filter(pk=agent_id, memberships__account=account).first() if agent_id else None
        if agent is None:
            raise serializers.ValidationError(field_error("is not an agent of this account", "not_staff"))
        return agent

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(field_error("give at least one field", "empty"))
        return attrs

    def changes(self) -> dict:
        """The keyword arguments of `conversation_update`."""
        data = self.validated_data
        changes = {"fields": {k: data[k] for k in ("subject", "custom") if k in data}, "status": data.get("status")}
        if "assigneeId" in data:
            changes["assignee"] = data["assigneeId"]
        return changes


@extend_schema_view(
    get=extend_schema(
        operation_id="getConversation",
        summary="Get a conversation",
        description="A merged id gives 301 with `Location` at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, MOVED_LOCATION],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            301: moved_response("Merged", "A", "C", "/api/v2/conversations/C"),
            **errors_of(*READ_ERRORS),
        },
    ),
    patch=extend_schema(
        operation_id="updateConversation",
        summary="Update, close, reopen or assign a conversation",
        description="Today's body (an object of fields, answered 200 with the conversation), or Help Scout's "
        "operations (`{op, path, value}` or a list of them, answered 204): `replace /status`, `replace /assignTo` "
        "(`remove` unassigns), `replace /subject`, `move /mailboxId` (only the account's mailbox). Every operation is "
        "checked before any is applied (`unsupported_operation` otherwise). At least one field."
        " `closed`/`spam` close the open thread; going from closed or spam to active or "
        "pending opens a new session thread (subject to the 412 locks). `assigneeId` must be an agent of the account "
        "(`not_staff`), or null to unassign.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        request=PolymorphicProxySerializer(
            component_name="ConversationPatch",
            serializers=[
                ConversationUpdateSerializer,
                PatchOperationSerializer,
                PolymorphicProxySerializer(
                    component_name="ConversationPatchOperations",
                    serializers=[PatchOperationSerializer],
                    resource_type_field_name=None,
                    many=True,
                ),
            ],
            resource_type_field_name=None,
            many=False,
        ),
        examples=[
            request_example("Close", {"status": "closed"}),
            request_example("Hand over to a person", {"assigneeId": 12}),
            request_example("Help Scout: close", {"op": "replace", "path": "/status", "value": "closed"}),
            request_example(
                "Help Scout: several",
                [
                    {"op": "replace", "path": "/subject", "value": "Pens"},
                    {"op": "remove", "path": "/assignTo"},
                ],
            ),
        ],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            204: OpenApiResponse(description="Help Scout's operations were applied; empty body, as Help Scout."),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                "conversation_too_old",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "assigneeId",
                                "code": "not_staff",
                                "message": "is not an agent of this account",
                                "rejectedValue": 77,
                            }
                        ]
                    }
                },
            ),
        },
    ),
    delete=extend_schema(
        operation_id="deleteConversation",
        summary="Delete a conversation for good (Help Scout)",
        description="Deletes the conversation with its threads, messages and files, and the merged conversations "
        "that point to it; recorded in the audit log. There is no trash: `PATCH` to `spam` or `closed` keeps it. "
        "Answers 204.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        responses={
            204: OpenApiResponse(description="Deleted; empty body."),
            **errors_of("not_found", "conversation_merged", *IDEMPOTENCY_ERRORS),
        },
    ),
)
class ConversationDetailView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def patch(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        if patch_is_operations(request.data):
            operations = request.data if isinstance(request.data, list) else [request.data]
            if not operations:
                raise validation_failed([FieldError("body", "empty", "give at least one operation")])
            prefixes = [f"[{i}]" for i in range(len(operations))] if isinstance(request.data, list) else [""]
            changes = patch_operations_changes(self.account, operations, prefixes)
            if changes["fields"] or changes["status"] is not None or "assignee" in changes:
                conversation_update(conversation=conversation, **changes)
            return Response(status=204)
        payload = ConversationUpdateSerializer(data=request.data, context={"account": self.account})
        payload.is_valid(raise_exception=True)
        conversation_update(conversation=conversation, **payload.changes())
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def delete(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        conversation_delete(conversation=conversation, by=f"API key {self.api_key.prefix}…")
        return Response(status=204)

    def _lookup(self, request, conversation_id: str) -> Conversation:
        queryset = conversations_for_api(account=self.account)
        return conversation_lookup(request, self.account, conversation_id, queryset=queryset)


@extend_schema_field({"type": "boolean", "enum": [True]})
class TrueOnlyField(serializers.BooleanField):
    """A boolean Help Scout's clients send, of which only `true` is what this server does (documented as such)."""


class ConversationSnoozeSerializer(StrictSerializer):
    snoozedUntil = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="ISO 8601 (without an offset: UTC); null or absent: until the customer writes. A time that has "
        "come wakes it within seconds.",
    )
    unsnoozeOnCustomerReply = TrueOnlyField(
        required=False,
        help_text="Help Scout's field (its clients send it): only `true`, as here a customer's message always wakes "
        "a snoozed conversation.",
    )

    def validate_unsnoozeOnCustomerReply(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                field_error("a customer's message always wakes a snoozed conversation here", "unsupported")
            )
        return value


SNOOZE_DESCRIPTION = (
    "A snoozed conversation keeps its open thread, shows `status: pending` (with `snooze` set) and is left out of "
    "the desk's open inbox; it wakes (to `active` when the customer waits, else `pending`) at `snoozedUntil`, when "
    "the customer writes, or on `DELETE`. Only an active or pending (or snoozed) conversation can be snoozed "
    "(409 `conversation_not_open`). A key bound to a bot snoozes as that bot. Each change is a "
    "`conversation.status_changed` event."
)


@extend_schema_view(
    put=extend_schema(
        operation_id="snoozeConversation",
        summary="Snooze a conversation",
        description=SNOOZE_DESCRIPTION,
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM],
        request=ConversationSnoozeSerializer,
        examples=[
            request_example("Until Monday morning", {"snoozedUntil": "2030-05-06T08:00:00Z"}),
            request_example(
                "Help Scout's body", {"snoozedUntil": "2030-05-06T08:00:00Z", "unsnoozeOnCustomerReply": True}
            ),
            request_example("Until the customer writes", {"snoozedUntil": None}),
        ],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                "conversation_not_open",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "snoozedUntil",
                                "code": "invalid",
                                "message": "Datetime has wrong format.",
                                "rejectedValue": "Monday",
                            }
                        ]
                    }
                },
            ),
        },
    ),
    delete=extend_schema(
        operation_id="unsnoozeConversation",
        summary="Wake a snoozed conversation",
        description="Ends the snooze now: `active` when the customer waits, else `pending`. A conversation that is not "
        "snoozed is answered as it is.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            **errors_of("not_found", "conversation_merged", *IDEMPOTENCY_ERRORS),
        },
    ),
)
class ConversationSnoozeView(IntegrationAPIView):
    def put(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ConversationSnoozeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        until = payload.validated_data.get("snoozedUntil")
        conversation_snooze(conversation=conversation, agent=self.api_key.bot, until=until)
        return Response(conversation_v2(conversations_for_api(account=self.account).get(pk=conversation.pk)))

    def delete(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        conversation_wake(conversation=conversation, agent=self.api_key.bot)
        return Response(conversation_v2(conversations_for_api(account=self.account).get(pk=conversation.pk)))


class ConversationTagsSerializer(StrictSerializer):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50, allow_blank=False),
        max_length=50,
        help_text="Every label the conversation should carry (names, any case); a name the account has no label of "
        "makes one. An empty list takes them all off.",
    )


@extend_schema_view(
    put=extend_schema(
        operation_id="setConversationTags",
        summary="Set a conversation's tags",
        description="Replaces the conversation's labels (Help Scout's tags) with these. A `conversation.updated` "
        "event follows a change. Answers the conversation.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM],
        request=ConversationTagsSerializer,
        examples=[request_example("Tags", {"tags": ["billing", "vip"]})],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "tags[0]",
                                "code": "max_length",
                                "message": "Ensure this field has no more than 50 characters.",
                            }
                        ]
                    }
                },
            ),
        },
    ),
)
class ConversationTagsView(IntegrationAPIView):
    def put(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ConversationTagsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        labels_set(conversation=conversation, names=payload.validated_data["tags"])
        return Response(conversation_v2(conversations_for_api(account=self.account).get(pk=conversation.pk)))


class MergeSerializer(StrictSerializer):
    into = serializers.CharField(max_length=128)


@extend_schema_view(
    post=extend_schema(
        operation_id="mergeConversation",
        summary="Merge a conversation into another",
        description="Moves the path conversation's threads and messages into `into`, combining participants. Repeating "
        "the same merge answers 200 again. Answers the target conversation.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        request=MergeSerializer,
        examples=[request_example("Merge", {"into": "order_391_fc"})],
        responses={
            200: ok_response(ConversationSerializer, "The target conversation.", example_of("Target", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS,
                "not_found",
                "conversation_merged",
                *IDEMPOTENCY_ERRORS,
                "thread_limit_reached",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "into",
                                "code": "unknown_conversation",
                                "message": "no such conversation",
                                "rejectedValue": "nope",
                            }
                        ]
                    }
                },
            ),
        },
    )
)
class ConversationMergeView(IntegrationAPIView):
    def post(self, request, conversation_id: str):
        source = conversation_lookup(request, self.account, conversation_id, merged_ok=True)
        payload = MergeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        target = Conversation.objects.filter(account=self.account, public_id=payload.validated_data["into"]).first()
        if target is None:
            raise validation_failed(
                [FieldError("into", "unknown_conversation", "no such conversation", payload.validated_data["into"])]
            )
        if source.merged_into_id is not None and source.merged_into_id != target.pk:
            raise conversation_merged(source)
        try:
            conversation_merge(source=source, target=target)
        except ServiceError as error:
            if error.code in {"same_conversation", "target_merged"}:
                raise validation_failed(
                    [FieldError("into", error.code, error.code.replace("_", " "), target.public_id)]
                ) from None
            raise
        return Response(conversation_v2(conversations_for_api(account=self.account).get(pk=target.pk)))
