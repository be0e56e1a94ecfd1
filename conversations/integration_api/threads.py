"""The threads of a conversation, two ways: Help Scout's threads (one per message, `/threads`) and our own
sessions (`/sessions`, what `/threads` listed before #21; chat threads are created in `chats`)."""

from __future__ import annotations

import html
from urllib.parse import quote

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import QueryIdField, query_validated
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    CONVERSATION_ID_PARAM,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_CONVERSATIONS,
    errors_of,
    example_of,
    int_query_param,
    moved_response,
    ok_response,
)
from conversations.integration_api.pages import hal_list, hal_list_serializer
from conversations.models import Message
from conversations.representations import ThreadSerializer
from messenger_project.integration_api.serializers import IsoDateTimeField, LinkSerializer, StrictSerializer

THREAD_PAGE_SIZE = 50


class ThreadsEmbeddedSerializer(serializers.Serializer):
    threads = ThreadSerializer(many=True)


class ThreadListSerializer(serializers.Serializer):
    _embedded = ThreadsEmbeddedSerializer()


@extend_schema_view(
    get=extend_schema(
        operation_id="listSessions",
        summary="List a conversation's sessions",
        description="All sessions (our threads: at most 100), oldest first. (Until #21 this list was served at "
        "`/threads`, which now lists Help Scout's threads: one entry per message.) A merged id gives 301 to the "
        "same path of the conversation at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, MOVED_LOCATION],
        responses={
            301: moved_response("Merged", "A", "C", "/api/v2/conversations/C/sessions"),
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
class SessionListView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        threads = (
            conversation.threads.select_related("conversation", "opened_by_customer", "opened_by_agent")
            .annotate(message_count=Count("messages"))
            .order_by("created_at", "id")
        )
        return Response(ThreadListSerializer({"_embedded": {"threads": threads}}).data)


# --- Help Scout's threads: one entry per message (#21) ----------------------------------------------------------


def body_html(text: str) -> str:
    """Help Scout serves a thread's `body` as HTML; ours is plain text, so it is escaped (never markup written by a
    customer) with its line breaks as `<br>`."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def helpscout_thread_type(message: Message) -> str:
    """`note` (private, agents only), `chat` (a customer's line made by `/chats`), `customer` (any other
    customer message), `reply` (an agent's or bot's answer), `lineitem` (a system message)."""
    if message.is_private:
        return "note"
    if message.author_kind == Message.AuthorKind.CUSTOMER:  # by kind: a deleted author's message keeps its type
        return "chat" if message.origin == Message.Origin.CHAT_API else "customer"
    if message.author_kind == Message.AuthorKind.AGENT:
        return "reply"
    return "lineitem"


class HelpScoutPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The customer's `number`, or the agent id.")
    type = serializers.CharField(help_text="`customer`, or `user` for agents and bots.")
    first = serializers.CharField()
    last = serializers.CharField()
    email = serializers.CharField(allow_null=True)


def helpscout_person(message: Message) -> dict | None:
    customer, agent = message.author_customer, message.author_agent
    if customer is not None:
        return {
            "id": customer.number,
            "type": "customer",
            "first": customer.first_name,
            "last": customer.last_name,
            "email": customer.email or None,
        }
    if agent is not None:
        user = agent.user
        return {
            "id": agent.pk,
            "type": "user",
            "first": user.first_name or agent.display_name,
            "last": user.last_name,
            "email": user.email or None,
        }
    return None


class AttachmentLinksSerializer(serializers.Serializer):
    data = LinkSerializer(help_text='`{"data": base64}` of the file.')
    web = LinkSerializer(help_text="The raw download.")


class HelpScoutAttachmentSerializer(serializers.Serializer):
    """An attachment as Help Scout shows it on a thread; `context["request"]` makes the links absolute."""

    id = serializers.CharField(source="uuid", help_text="The attachment id (a UUID).")
    filename = serializers.CharField(source="original_name")
    mimeType = serializers.CharField(source="mime_type")
    size = serializers.IntegerField(help_text="Bytes.")
    width = serializers.IntegerField(allow_null=True, help_text="Images only.")
    height = serializers.IntegerField(allow_null=True, help_text="Images only.")
    _links = serializers.SerializerMethodField()

    @extend_schema_field(AttachmentLinksSerializer)
    def get__links(self, media) -> dict:
        conversation_id = quote(self.context["conversation"].public_id, safe=":~")
        data = f"/api/v2/conversations/{conversation_id}/attachments/{media.uuid}/data"
        web = f"/api/v2/attachments/{media.uuid}"
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request is not None else (lambda href: href)
        return {"data": {"href": absolute(data)}, "web": {"href": absolute(web)}}


class HelpScoutThreadEmbeddedSerializer(serializers.Serializer):
    attachments = HelpScoutAttachmentSerializer(many=True)


class HelpScoutSourceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`chat` (an app or the widget), `api`, `web` (the desk).")
    via = serializers.CharField(help_text="`customer` or `user`.")


SOURCE_TYPES = {Message.Origin.APP: "chat", Message.Origin.DESK: "web"}


class HelpScoutThreadSerializer(serializers.Serializer):
    """One of Help Scout's threads: one message of the conversation. Context: `conversation` (and `request`)."""

    id = serializers.IntegerField(source="pk", help_text="The message id.")
    type = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField(help_text="Always `nochange`: no status is recorded per message.")
    state = serializers.SerializerMethodField(help_text="Always `published` (there are no drafts).")
    body = serializers.SerializerMethodField(help_text="The text, HTML-escaped, line breaks as `<br>`.")
    source = serializers.SerializerMethodField()
    createdBy = serializers.SerializerMethodField(help_text="Null for a system message or a deleted author.")
    createdAt = IsoDateTimeField(source="created_at")
    sessionId = serializers.IntegerField(
        source="thread_id", allow_null=True, help_text="Our session (see `/sessions`) holding the message."
    )
    imported = serializers.BooleanField()
    _embedded = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(help_text="`customer`, `chat`, `reply`, `note` or `lineitem`."))
    def get_type(self, message) -> str:
        return helpscout_thread_type(message)

    def get_status(self, message) -> str:
        return "nochange"

    def get_state(self, message) -> str:
        return "published"

    def get_body(self, message) -> str:
        return body_html(message.text)

    @extend_schema_field(HelpScoutSourceSerializer)
    def get_source(self, message) -> dict:
        via = "customer" if message.author_kind == Message.AuthorKind.CUSTOMER else "user"
        return {"type": SOURCE_TYPES.get(message.origin, "api"), "via": via}

    @extend_schema_field(HelpScoutPersonSerializer(allow_null=True))
    def get_createdBy(self, message) -> dict | None:  # noqa: N802
        return helpscout_person(message)

    @extend_schema_field(HelpScoutThreadEmbeddedSerializer)
    def get__embedded(self, message) -> dict:
        attachments = HelpScoutAttachmentSerializer(message.attachments.all(), many=True, context=self.context)
        return {"attachments": attachments.data}


HelpScoutThreadPageSerializer = hal_list_serializer("HelpScoutThread", "threads", HelpScoutThreadSerializer)


class ThreadPageQuery(StrictSerializer):
    page = QueryIdField(default=1, help_text="1-based.")
    size = QueryIdField(max_value=100, default=THREAD_PAGE_SIZE, help_text="1–100, default 50.")


HELPSCOUT_THREAD = {
    "id": 10743,
    "type": "chat",
    "status": "nochange",
    "state": "published",
    "body": "Buy more pens",
    "source": {"type": "api", "via": "customer"},
    "createdBy": {"id": 456, "type": "customer", "first": "Penny", "last": "", "email": "pens@example.com"},
    "createdAt": "2024-05-01T10:05:00Z",
    "sessionId": 567,
    "imported": False,
    "_embedded": {
        "attachments": [
            {
                "id": "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b",
                "filename": "file.txt",
                "mimeType": "plain/text",
                "size": 4,
                "width": None,
                "height": None,
                "_links": {
                    "data": {
                        "href": "https://chat.example.com/api/v2/conversations/123/attachments/"
                        "3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b/data"
                    },
                    "web": {"href": "https://chat.example.com/api/v2/attachments/3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b"},
                },
            }
        ]
    },
}


@extend_schema_view(
    get=extend_schema(
        operation_id="listThreads",
        summary="List a conversation's threads (Help Scout's)",
        description="Help Scout's threads: one entry per message, newest first (by id: the order they were "
        "stored), notes included (`type: note`), in Help Scout's list envelope (`page`, absolute `_links`). "
        "`type`: `customer`, `chat` (a line made by `/chats`), `reply` (an agent or bot), `note`, `lineitem` (a "
        "system message). Our sessions are at `/sessions`. A merged id gives 301 to the same path of the "
        "conversation at the end of the merge chain.",
        tags=[TAG_CONVERSATIONS],
        parameters=[
            CONVERSATION_ID_PARAM,
            int_query_param("page", "1-based; a page past the end is empty.", default=1),
            int_query_param("size", "1–100, default 50.", maximum=100, default=THREAD_PAGE_SIZE),
            MOVED_LOCATION,
        ],
        responses={
            301: moved_response("Merged", "A", "C", "/api/v2/conversations/C/threads"),
            200: ok_response(
                HelpScoutThreadPageSerializer,
                "A page of threads.",
                example_of(
                    "Threads",
                    {
                        "_embedded": {"threads": [HELPSCOUT_THREAD]},
                        "page": {"size": 50, "totalElements": 1, "totalPages": 1, "number": 1},
                        "_links": {
                            "self": {"href": "https://chat.example.com/api/v2/conversations/123/threads?page=1"},
                            "first": {"href": "https://chat.example.com/api/v2/conversations/123/threads?page=1"},
                            "last": {"href": "https://chat.example.com/api/v2/conversations/123/threads?page=1"},
                        },
                    },
                ),
            ),
            **errors_of("validation_failed", *READ_ERRORS),
        },
    )
)
class ThreadListView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        query = query_validated(ThreadPageQuery, request)
        page, size = query["page"], query["size"]
        messages = conversation.messages.all()
        total = messages.count()
        start = (page - 1) * size
        rows = (
            messages.select_related("author_customer", "author_agent__user")
            .prefetch_related("attachments")
            .order_by("-id")[start : start + size]  # newest first on the (conversation, id) index
            if start < total
            else []
        )
        items = HelpScoutThreadSerializer(rows, many=True, context={"conversation": conversation, "request": request})
        return Response(hal_list(request, key="threads", items=items.data, page=page, size=size, total=total))
