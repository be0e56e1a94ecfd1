"""TalkJS's REST shapes under `/api/v1/{appId}/…`: conversations (upsert, read, list), a user's conversations,
and participation (join, leave)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import CONVERSATION_ID, QueryIdField, path_id_check, query_validated
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    APP_ID,
    CONVERSATION_ID_PARAM,
    EMPTY_OBJECT,
    MOVED_LOCATION,
    NO_CONTROL_CHARACTERS,
    READ_ERRORS,
    TAG_V1,
    V1_CONVERSATION,
    V1_USER_ID,
    WRITE_ERRORS,
    errors_of,
    example_of,
    int_query_param,
    moved_response,
    ok_response,
    query_param,
    request_example,
)
from conversations.integration_api.records import (
    ConversationRecordListSerializer,
    ConversationRecordSerializer,
    conversation_records,
)
from conversations.models import Conversation
from conversations.services import MAX_PARTICIPANTS, conversation_upsert
from conversations.services.participants import participant_join, participant_leave
from devices.selectors import customer_by_user_id, customers_by_user_ids
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import ApiError, FieldError, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer


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
                example_of("Conversation", V1_CONVERSATION),
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
        [record] = conversation_records([conversation])
        return Response(ConversationRecordSerializer(record, context={"request": request}).data)


# --- listings ---------------------------------------------------------------------------------------------------


class ConversationPageQuery(serializers.Serializer):
    """TalkJS's paging: at most `limit` conversations, newest created first, after the one named `startingAfter`."""

    limit = QueryIdField(max_value=100, default=10, help_text="1–100.")
    startingAfter = serializers.CharField(required=False, max_length=128, help_text="A conversation id.")


PAGE_PARAMS = [
    int_query_param("limit", "1–100, default 10.", maximum=100),
    query_param(
        "startingAfter",
        {"type": "string", "minLength": 1, "maxLength": 128, "pattern": NO_CONTROL_CHARACTERS},
        "A conversation id of this account (the last of the previous page); the page holds those created before it.",
    ),
]


def conversation_page(request, account, conversations: QuerySet[Conversation]) -> Response:
    """One page of `conversations` (live ones only) as TalkJS lists them: `{"data": [...]}`, newest created first."""
    query = query_validated(ConversationPageQuery, request)
    conversations = conversations.filter(merged_into__isnull=True).order_by("-created_at", "-pk")
    after = query.get("startingAfter")
    if after is not None:
        cursor = Conversation.objects.filter(account=account, public_id=after).values("created_at", "pk").first()
        if cursor is None:
            raise validation_failed(
                [FieldError("query.startingAfter", "unknown_conversation", "is not a conversation of this account")]
            )
        conversations = conversations.filter(
            Q(created_at__lt=cursor["created_at"]) | Q(created_at=cursor["created_at"], pk__lt=cursor["pk"])
        )
    page = conversation_records(list(conversations[: query["limit"]]))
    return Response(ConversationRecordListSerializer({"data": page}, context={"request": request}).data)


CONVERSATION_PAGE_EXAMPLE = example_of("Page", {"data": [{**V1_CONVERSATION}]})


@extend_schema_view(
    get=extend_schema(
        operation_id="listConversationsV1",
        summary="List conversations (TalkJS-style)",
        description="Every live conversation of the account (merged ones left out), newest created first; "
        "`startingAfter` names the last conversation of the previous page.",
        tags=[TAG_V1],
        parameters=[APP_ID, *PAGE_PARAMS],
        responses={
            200: ok_response(ConversationRecordListSerializer, "A page of conversations.", CONVERSATION_PAGE_EXAMPLE),
            **errors_of("validation_failed", "app_mismatch"),
        },
    )
)
class ConversationsView(IntegrationAPIView):
    def get(self, request, app_id: str):
        return conversation_page(request, self.account, Conversation.objects.filter(account=self.account))


@extend_schema_view(
    get=extend_schema(
        operation_id="listUserConversationsV1",
        summary="List a user's conversations (TalkJS-style)",
        description="The live conversations the user takes part in, newest created first; paging as for "
        "all conversations.",
        tags=[TAG_V1],
        parameters=[APP_ID, V1_USER_ID, *PAGE_PARAMS],
        responses={
            200: ok_response(ConversationRecordListSerializer, "A page of conversations.", CONVERSATION_PAGE_EXAMPLE),
            **errors_of("validation_failed", *READ_ERRORS, "app_mismatch"),
        },
    )
)
class UserConversationsView(IntegrationAPIView):
    def get(self, request, app_id: str, user_id: str):
        customer = customer_by_user_id(account=self.account, user_id=user_id)
        if customer is None:
            raise ApiError(404, "not_found", "No such user.")
        conversations = Conversation.objects.filter(account=self.account, participants__customer=customer)
        return conversation_page(request, self.account, conversations)


# --- participation ----------------------------------------------------------------------------------------------


class ParticipationSerializer(StrictSerializer):
    access = serializers.ChoiceField(choices=["ReadWrite", "Read"], default="ReadWrite")
    notify = serializers.BooleanField(default=True)


def _participant(account, user_id: str):
    customer = customer_by_user_id(account=account, user_id=user_id)
    if customer is None:
        raise ApiError(404, "not_found", "No such user.")
    return customer


@extend_schema_view(
    put=extend_schema(
        operation_id="joinConversationV1",
        summary="Add a participant, or set their access (TalkJS-style)",
        description="Adds the user to the conversation, or overwrites their `access` and `notify` (defaults "
        "`ReadWrite` and `true`). Idempotent: answers `200 {}`. A merged conversation gives 404 "
        "`conversation_merged`.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID_PARAM, V1_USER_ID],
        request=ParticipationSerializer,
        examples=[request_example("Read only", {"access": "Read", "notify": True})],
        responses={
            200: ok_response(EMPTY_OBJECT, "Stored.", example_of("Done", {})),
            **errors_of(*WRITE_ERRORS, *READ_ERRORS, "app_mismatch", "conversation_merged"),
        },
    ),
    delete=extend_schema(
        operation_id="leaveConversationV1",
        summary="Remove a participant (TalkJS-style)",
        description="The user keeps the messages they already have and gets no new ones. Idempotent: answers "
        "`200 {}`, also when the user did not take part.",
        tags=[TAG_V1],
        parameters=[APP_ID, CONVERSATION_ID_PARAM, V1_USER_ID],
        responses={
            200: ok_response(EMPTY_OBJECT, "Removed.", example_of("Done", {})),
            **errors_of(*READ_ERRORS, "app_mismatch", "conversation_merged"),
        },
    ),
)
class ParticipantView(IntegrationAPIView):
    accepts_idempotency_key = False  # idempotent by nature, as TalkJS's

    def put(self, request, app_id: str, conversation_id: str, user_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        customer = _participant(self.account, user_id)
        payload = ParticipationSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            participant_join(conversation=conversation, customer=customer, **payload.validated_data)
        except ServiceError as error:
            if error.code != "too_many_participants":
                raise
            raise validation_failed(
                [FieldError("path.userId", "too_many_items", f"at most {MAX_PARTICIPANTS} participants")]
            ) from None
        return Response({})

    def delete(self, request, app_id: str, conversation_id: str, user_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        participant_leave(conversation=conversation, customer=_participant(self.account, user_id))
        return Response({})
