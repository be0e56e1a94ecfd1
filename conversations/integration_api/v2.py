"""Integration API beyond the seeds (spec §8.1–8.7): conversations, threads, messages, replies, merges,
attachments and typing, under `/api/v2/`. ISO 8601 timestamps; HAL pages."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import Agent
from conversations.integration_api.base import MIB, IntegrationAPIView
from conversations.integration_api.fields import AttachmentListField, stored_id
from conversations.integration_api.lookups import conversation_lookup, conversation_merged
from conversations.media_serving import media_response
from conversations.models import Conversation, Media, Message
from conversations.representations import conversation_v2, message_v2, thread_v2
from conversations.selectors import conversations_for_api
from conversations.services import (
    AttachmentDraft,
    MessageDraft,
    conversation_merge,
    conversation_update,
    messages_post_batch,
)
from conversations.typing import agent_typing_set
from messenger_project.errors import ServiceError
from messenger_project.integration_api.errors import (
    ApiError,
    FieldError,
    validation_failed,
)
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer, field_error
from messenger_project.numbers import MAX_ID

TYPING_COALESCE_SECONDS = 2


# --- query parameters --------------------------------------------------------------------------------------


class QueryParams:
    """Strict query parsing: unknown or malformed parameters are 400 with `query.*` paths."""

    def __init__(self, request, allowed: set[str]):
        self.query = request.query_params
        self.errors = [
            FieldError(f"query.{k}", "unknown_field", "is not a known parameter")
            for k in self.query
            if k not in allowed
        ]

    def integer(self, name: str, default: int | None, minimum: int, maximum: int = MAX_ID) -> int | None:
        """Digits from `minimum` to `maximum`: at most a bigint, the largest number a query can hold."""
        raw = self.query.get(name)
        if raw is None:
            return default
        value = stored_id(raw)
        if value is None or value < minimum or value > maximum:
            self.errors.append(FieldError(f"query.{name}", "out_of_range", "is not an allowed value", raw))
            return default
        return value

    def choice(self, name: str, default: str, choices: set[str]) -> str:
        raw = self.query.get(name, default)
        if raw not in choices:
            self.errors.append(FieldError(f"query.{name}", "invalid_enum", f"must be one of {sorted(choices)}", raw))
            return default
        return raw

    def raise_errors(self) -> None:
        if self.errors:
            raise validation_failed(self.errors)


# --- views -------------------------------------------------------------------------------------------------


class ConversationListView(IntegrationAPIView):
    SORT_FIELDS = {"lastActivityAt": "last_activity_at", "createdAt": "created_at"}

    def get(self, request):
        params = QueryParams(
            request,
            {
                "status",
                "customerId",
                "participantUserId",
                "assigneeId",
                "modifiedSince",
                "visible",
                "sortField",
                "sortOrder",
                "page",
                "size",
            },
        )
        status = params.choice("status", "all", {"active", "pending", "closed", "spam", "open", "all"})
        sort_field = params.choice("sortField", "lastActivityAt", set(self.SORT_FIELDS))
        descending = params.choice("sortOrder", "desc", {"asc", "desc"}) == "desc"
        page, size = params.integer("page", 1, 1), params.integer("size", 25, 1, 100)
        visible = params.choice("visible", "", {"", "true", "false"})
        queryset = conversations_for_api(account=self.account)
        queryset = {
            "all": queryset.exclude(status=Conversation.Status.SPAM),
            "open": queryset.filter(status__in=Conversation.OPEN_STATUSES),
        }.get(status, queryset.filter(status=status))
        queryset = self._filters(params, queryset)
        if visible:
            queryset = queryset.filter(visible=visible == "true")
        params.raise_errors()
        order = self.SORT_FIELDS[sort_field]
        field_order = f"-{order}" if descending else order
        total = queryset.count()
        ordered = queryset.order_by(field_order, "-pk" if descending else "pk")
        offset = (page - 1) * size
        # A page past the end is empty (§8.1) and not asked for: its offset can be beyond a bigint.
        rows = list(ordered[offset : offset + size]) if offset < total else []
        return Response(
            {
                "_embedded": {"conversations": [conversation_v2(c) for c in rows]},
                "page": {"size": size, "totalElements": total, "totalPages": -(-total // size), "number": page},
                "_links": self._links(request, page, -(-total // size)),
            }
        )

    def _filters(self, params: QueryParams, queryset):
        query = params.query
        customer_id = query.get("customerId") or query.get("participantUserId")
        if customer_id:
            number = stored_id(customer_id)
            lookup = {"number": number} if number is not None else {"uuid": _uuid_or_none(customer_id)}
            queryset = queryset.filter(**{f"participants__customer__{k}": v for k, v in lookup.items()})
        if query.get("assigneeId"):
            queryset = queryset.filter(assignee_id=params.integer("assigneeId", None, 1))
        if query.get("modifiedSince"):
            moment = parse_datetime(query["modifiedSince"])
            if moment is None:
                params.errors.append(
                    FieldError("query.modifiedSince", "invalid_datetime", "is not ISO 8601", query["modifiedSince"])
                )
            else:
                queryset = queryset.filter(updated_at__gte=moment)
        return queryset

    @staticmethod
    def _links(request, page: int, pages: int) -> dict:
        def href(number: int) -> dict:
            query = {**request.query_params.dict(), "page": number}
            return {"href": f"/api/v2/conversations?{urlencode(query)}"}

        links = {"self": href(page), "first": href(1)}
        if page > 1:
            links["prev"] = href(min(page - 1, max(pages, 1)))
        if page < pages:
            links["next"] = href(page + 1)
        if pages:
            links["last"] = href(pages)
        return links


def _uuid_or_none(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class ConversationPatchSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Conversation.Status.values, required=False)
    assigneeId = serializers.JSONField(required=False, allow_null=True)  # anything not an agent id is not_staff
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


class ConversationDetailView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def patch(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ConversationPatchSerializer(data=request.data, context={"account": self.account})
        payload.is_valid(raise_exception=True)
        conversation_update(conversation=conversation, **payload.changes())
        return Response(conversation_v2(self._lookup(request, conversation_id)))

    def _lookup(self, request, conversation_id: str) -> Conversation:
        queryset = conversations_for_api(account=self.account)
        return conversation_lookup(request, self.account, conversation_id, queryset=queryset)


class ThreadListView(IntegrationAPIView):
    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        threads = (
            conversation.threads.select_related("conversation", "opened_by_customer", "opened_by_agent")
            .annotate(message_count=Count("messages"))
            .order_by("created_at", "id")
        )
        return Response({"_embedded": {"threads": [thread_v2(t) for t in threads]}})


class ReplySerializer(StrictSerializer):
    text = serializers.CharField(max_length=10_000, trim_whitespace=False, allow_blank=True)
    attachments = AttachmentListField()
    senderId = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    idempotencyKey = serializers.CharField(max_length=255, required=False)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(field_error("must not be only whitespace", "blank"))
        return value


class ConversationMessagesV2View(IntegrationAPIView):
    body_limit = 28 * MIB

    def get(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        params = QueryParams(request, {"limit", "before", "after"})
        limit = params.integer("limit", 50, 1, 100)
        before, after = params.integer("before", None, 1), params.integer("after", None, 1)
        if before is not None and after is not None:
            params.errors.append(FieldError("query.before", "invalid", "give before or after, not both"))
        params.raise_errors()
        messages = conversation.messages.select_related("conversation", "author_customer", "author_agent")
        messages = messages.prefetch_related("attachments")
        if after is not None:
            page = list(messages.filter(pk__gt=after).order_by("id")[:limit])
        else:
            if before is not None:
                messages = messages.filter(pk__lt=before)
            page = list(messages.order_by("-id")[:limit])[::-1]
        href = f"/api/v2/conversations/{conversation.public_id}/messages"
        links = {"self": {"href": href}}
        if page and conversation.messages.filter(pk__lt=page[0].pk).exists():
            links["prev"] = {"href": f"{href}?before={page[0].pk}&limit={limit}"}
        if page and conversation.messages.filter(pk__gt=page[-1].pk).exists():
            links["next"] = {"href": f"{href}?after={page[-1].pk}&limit={limit}"}
        return Response({"_embedded": {"messages": [message_v2(m) for m in page]}, "_links": links})

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        sender = staff_sender(self.account, self.api_key, data.get("senderId"))
        [message_id] = messages_post_batch(
            conversation=conversation,
            drafts=[
                MessageDraft(
                    author=sender,
                    text=data["text"],
                    idempotency_key=data.get("idempotencyKey"),
                    attachments=tuple(
                        AttachmentDraft(a["fileName"], a["mimeType"], a["data"]) for a in data.get("attachments", [])
                    ),
                )
            ],
            origin=Message.Origin.REST,
        )
        agent_typing_set(conversation=conversation, agent=sender, typing=False, replied=True)
        message = Message.objects.select_related("conversation", "author_customer", "author_agent").get(pk=message_id)
        location = f"/api/v2/conversations/{conversation.public_id}/messages?after={message_id - 1}&limit=1"
        return Response(message_v2(message), status=201, headers={"Location": location})


def staff_sender(account, api_key, sender_id: int | None) -> Agent:
    """§8.4: the given agent of the account, else the key's bound bot (`sender_required` without either)."""
    if sender_id is None:
        if api_key.bot is None:
            raise validation_failed(
                [FieldError("senderId", "sender_required", "no senderId and no bot bound to the key")]
            )
        return api_key.bot
    sender = Agent.objects.filter(pk=sender_id, memberships__account=account).first()
    if sender is None:
        raise validation_failed([FieldError("senderId", "not_staff", "is not an agent of this account", sender_id)])
    return sender


class MergeSerializer(StrictSerializer):
    into = serializers.CharField(max_length=128)


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


class TypingSerializer(StrictSerializer):
    state = serializers.ChoiceField(choices=["start", "stop"])
    senderId = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ConversationTypingView(IntegrationAPIView):
    rate_weight = 1  # typing events count 1 (§6)

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = TypingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        sender = staff_sender(self.account, self.api_key, payload.validated_data.get("senderId"))
        state = payload.validated_data["state"]
        # Events more often than once every 2 s per sender, conversation and state are merged into one.
        if cache.add(f"typing:coalesce:{conversation.pk}:{sender.pk}:{state}", 1, TYPING_COALESCE_SECONDS):
            agent_typing_set(conversation=conversation, agent=sender, typing=state == "start")
        return Response(status=204)


class AttachmentView(IntegrationAPIView):
    def get(self, request, attachment_id: str):
        media_uuid = _uuid_or_none(attachment_id)
        media = Media.objects.filter(account=self.account, uuid=media_uuid).first() if media_uuid else None
        if media is None:
            raise ApiError(404, "not_found", "No such attachment.")
        try:
            # §8.6: inline only for a safe image type, here one the check of the bytes confirmed at upload.
            return media_response(media, surface="integration_api")
        except OSError:
            raise ApiError(404, "not_found", "No such attachment.") from None
