"""Conversations: the list, one conversation (get, update), the TalkJS-style upsert and read under
`/api/v1/{appId}/conversations/{id}`, and merges."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import Agent
from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import (
    CONVERSATION_ID,
    QueryDateTimeField,
    QueryIdField,
    path_id_check,
    query_validated,
    stored_id,
)
from conversations.integration_api.lookups import conversation_lookup, conversation_merged
from conversations.integration_api.openapi import (
    APP_ID,
    CONVERSATION,
    CONVERSATION_ID_PARAM,
    EMPTY_OBJECT,
    IDEMPOTENCY_ERRORS,
    MOVED_LOCATION,
    NO_CONTROL_CHARACTERS,
    READ_ERRORS,
    TAG_CONVERSATIONS,
    TAG_V1,
    V1_MESSAGE,
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
)
from conversations.integration_api.pages import hal_list, hal_list_serializer
from conversations.integration_api.records import ConversationRecordSerializer
from conversations.models import Conversation
from conversations.representations import API_STATUSES, ConversationSerializer, conversation_v2
from conversations.selectors import conversations_for_api, conversations_with_label_named
from conversations.services import (
    MAX_PARTICIPANTS,
    conversation_merge,
    conversation_snooze,
    conversation_update,
    conversation_upsert,
    conversation_wake,
    labels_set,
)
from devices.selectors import customers_by_user_ids
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import FieldError, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer, field_error


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


SORT_FIELDS = {"lastActivityAt": "last_activity_at", "createdAt": "created_at"}
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
    sortField = serializers.ChoiceField(choices=list(SORT_FIELDS), default="lastActivityAt")
    sortOrder = serializers.ChoiceField(choices=["desc", "asc"], default="desc")
    page = QueryIdField(default=1, help_text="1-based.")
    size = QueryIdField(max_value=100, default=25, help_text="1–100.")

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
        if query.get("assigneeId"):
            queryset = queryset.filter(assignee_id=query["assigneeId"])
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
            query_param("sortField", enum=["lastActivityAt", "createdAt"], default="lastActivityAt"),
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
    )
)
class ConversationListView(IntegrationAPIView):
    def get(self, request):
        query = query_validated(ConversationListQuery, request)
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
        description="At least one field. `closed`/`spam` close the open thread; going from closed or spam to active or "
        "pending opens a new session thread (subject to the 412 locks). `assigneeId` must be an agent of the account "
        "(`not_staff`), or null to unassign.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        request=ConversationUpdateSerializer,
        examples=[
            request_example("Close", {"status": "closed"}),
            request_example("Hand over to a person", {"assigneeId": 12}),
        ],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
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
)
class ConversationDetailView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def patch(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ConversationUpdateSerializer(data=request.data, context={"account": self.account})
        payload.is_valid(raise_exception=True)
        conversation_update(conversation=conversation, **payload.changes())
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def _lookup(self, request, conversation_id: str) -> Conversation:
        queryset = conversations_for_api(account=self.account)
        return conversation_lookup(request, self.account, conversation_id, queryset=queryset)


class ConversationSnoozeSerializer(StrictSerializer):
    snoozedUntil = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="ISO 8601 (without an offset: UTC); null or absent: until the customer writes. A time that has "
        "come wakes it within seconds.",
    )


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


class ConversationUpsertSerializer(StrictSerializer):
    participants = serializers.ListField(
        child=serializers.CharField(max_length=128), required=False, min_length=1, max_length=100
    )
    subject = serializers.CharField(max_length=255, required=False, allow_null=True, allow_blank=True)
    custom = CustomDataField(strings_only=True, required=False, allow_null=True)
    welcomeMessages = serializers.ListField(
        child=serializers.CharField(max_length=1000), max_length=5, required=False, allow_null=True
    )
    photoUrl = serializers.URLField(max_length=2048, required=False, allow_null=True)


@extend_schema_view(
    put=extend_schema(
        operation_id="upsertConversationV1",
        summary="Create or update a conversation (TalkJS-style)",
        description="Participants are only ever added. A new conversation starts `closed`, with no threads and "
        "`visible: false`. A merged id is never brought back to life (404 `conversation_merged`). Answers `200 {}`.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID_PARAM],
        request=ConversationUpsertSerializer,
        examples=[
            request_example(
                "Upsert",
                {
                    "participants": ["12081", "8029"],
                    "subject": "What a lovely day!",
                    "custom": {"category": "order_inquiry"},
                },
            )
        ],
        responses={
            200: ok_response(EMPTY_OBJECT, "Stored.", example_of("Done", {})),
            **errors_of(*WRITE_ERRORS, "app_mismatch", "conversation_merged"),
        },
    ),
    get=extend_schema(
        operation_id="getConversationV1",
        summary="Get a conversation (TalkJS-style)",
        description="A merged id gives 301 to the v1 path of the survivor.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID_PARAM, MOVED_LOCATION],
        responses={
            200: ok_response(
                ConversationRecordSerializer,
                "The conversation.",
                example_of(
                    "Conversation",
                    {
                        "id": "order_391_fc",
                        "subject": "What a lovely day!",
                        "photoUrl": None,
                        "welcomeMessages": None,
                        "custom": {"category": "order_inquiry"},
                        "participants": {
                            "12081": {"access": "ReadWrite", "notify": True},
                            "8029": {"access": "ReadWrite", "notify": True},
                        },
                        "lastMessage": V1_MESSAGE,
                        "createdAt": 1714557600000,
                    },
                ),
            ),
            301: moved_response("Merged", "c1", "order_391_fc", "/api/v1/app_7Hq2kL/conversations/order_391_fc"),
            **errors_of(*READ_ERRORS, "app_mismatch"),
        },
    ),
)
class ConversationView(IntegrationAPIView):
    def put(self, request, app_id: str, conversation_id: str):
        existing = conversation_lookup(request, self.account, conversation_id, missing_ok=True)
        path_id_check(conversation_id, name="conversationId", pattern=CONVERSATION_ID)
        payload = ConversationUpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user_ids = data.get("participants", [])
        resolved = customers_by_user_ids(account=self.account, user_ids=user_ids)
        unknown = [
            FieldError(f"participants[{i}]", "unknown_user", "no such user", u)
            for i, u in enumerate(user_ids)
            if u not in resolved
        ]
        if unknown:
            raise validation_failed(unknown)
        current = set(existing.participants.values_list("customer_id", flat=True)) if existing else set()
        if len(current | {c.pk for c in resolved.values()}) > MAX_PARTICIPANTS:
            raise validation_failed([FieldError("participants", "too_many_items", "at most 100 participants")])
        names = {
            "subject": "subject",
            "custom": "custom",
            "welcomeMessages": "welcome_messages",
            "photoUrl": "photo_url",
        }
        conversation_upsert(
            account=self.account,
            public_id=conversation_id,
            participants=[resolved[u] for u in user_ids],
            fields={names[k]: v for k, v in data.items() if k in names},
        )
        return Response({})

    def get(self, request, app_id: str, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        last = (  # a private note is no last message of a TalkJS-style record
            conversation.messages.filter(is_private=False)
            .select_related("author_customer", "conversation")
            .order_by("-id")
            .first()
        )
        return Response(ConversationRecordSerializer(conversation, context={"last_message": last}).data)
