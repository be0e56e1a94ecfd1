"""The threads of a conversation (its chat threads are created in `chats`)."""

from __future__ import annotations

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    CONVERSATION_ID_PARAM,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_CONVERSATIONS,
    errors_of,
    example_of,
    moved_response,
    ok_response,
)
from conversations.representations import ThreadSerializer


class ThreadsEmbeddedSerializer(serializers.Serializer):
    threads = ThreadSerializer(many=True)


class ThreadListSerializer(serializers.Serializer):
    _embedded = ThreadsEmbeddedSerializer()


@extend_schema_view(
    get=extend_schema(
        operation_id="listThreads",
        summary="List a conversation's threads",
        description="All threads (at most 100), oldest first. A merged id gives 301 to the same path of the "
        "conversation at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, MOVED_LOCATION],
        responses={
            301: moved_response("Merged", "A", "C", "/api/v2/conversations/C/threads"),
            200: ok_response(
                ThreadListSerializer,
                "The threads.",
                example_of(
                    "Threads",
                    {
                        "_embedded": {
                            "threads": [
                                {
                                    "id": 567,
                                    "conversationId": "123",
                                    "type": "chat",
                                    "status": "open",
                                    "imported": False,
                                    "source": "chat_api",
                                    "openedBy": {"kind": "customer", "userId": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b"},
                                    "createdAt": "2024-05-01T10:05:00Z",
                                    "closedAt": None,
                                    "closeReason": None,
                                    "messageCount": 1,
                                }
                            ]
                        }
                    },
                ),
            ),
            **errors_of(*READ_ERRORS),
        },
    )
)
class ThreadListView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        threads = (
            conversation.threads.select_related("conversation", "opened_by_customer", "opened_by_agent")
            .annotate(message_count=Count("messages"))
            .order_by("created_at", "id")
        )
        return Response(ThreadListSerializer({"_embedded": {"threads": threads}}).data)
