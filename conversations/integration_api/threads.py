"""The threads of a conversation (its chat threads are created in `chats`)."""

from __future__ import annotations

from django.db.models import Count
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.lookups import conversation_lookup
from conversations.representations import ThreadSerializer


class ThreadsEmbeddedSerializer(serializers.Serializer):
    threads = ThreadSerializer(many=True)


class ThreadListSerializer(serializers.Serializer):
    _embedded = ThreadsEmbeddedSerializer()


class ThreadListView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        threads = (
            conversation.threads.select_related("conversation", "opened_by_customer", "opened_by_agent")
            .annotate(message_count=Count("messages"))
            .order_by("created_at", "id")
        )
        return Response(ThreadListSerializer({"_embedded": {"threads": threads}}).data)
