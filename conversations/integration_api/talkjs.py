"""TalkJS's REST shapes under `/api/v1/{appId}/…`: conversations (upsert, read)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import CONVERSATION_ID, path_id_check
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    APP_ID,
    CONVERSATION_ID_PARAM,
    EMPTY_OBJECT,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_V1,
    V1_MESSAGE,
    WRITE_ERRORS,
    errors_of,
    example_of,
    moved_response,
    ok_response,
    request_example,
)
from conversations.integration_api.records import ConversationRecordSerializer, conversation_records
from conversations.services import MAX_PARTICIPANTS, conversation_upsert
from devices.selectors import customers_by_user_ids
from messenger_project.integration_api.errors import FieldError, validation_failed
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
                example_of(
                    "Conversation",
                    {
                        "id": "order_391_fc",
                        "subject": "What a lovely day!",
                        "topicId": None,
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
        [record] = conversation_records([conversation])
        return Response(ConversationRecordSerializer(record, context={"request": request}).data)
