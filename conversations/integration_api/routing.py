"""Routing on the integration API (#20): the account's teams, and a bot's handover of a conversation to people."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from agents.models import AutoAssignment, Team
from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.lookups import conversation_lookup
from conversations.integration_api.openapi import (
    CONVERSATION,
    CONVERSATION_ID_PARAM,
    IDEMPOTENCY_ERRORS,
    READ_ERRORS,
    TAG_CONVERSATIONS,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    example_of,
    ok_response,
    request_example,
)
from conversations.integration_api.pages import hal_all, hal_list_serializer
from conversations.representations import ConversationSerializer, conversation_v2
from conversations.selectors import conversations_for_api
from conversations.services import conversation_handover
from messenger_project.integration_api.errors import ApiError
from messenger_project.integration_api.serializers import StrictSerializer

TAG_ROUTING = "Integration API: routing"


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The team's id: `teamId` of a handover.")
    name = serializers.CharField()
    autoAssignment = serializers.ChoiceField(
        source="auto_assignment",
        choices=AutoAssignment.values,
        help_text="`off`, `balanced` (the available agent with the fewest open conversations) or `round_robin`.",
    )
    memberIds = serializers.SerializerMethodField(help_text="The agents of the team (`assignee.id` values).")

    def get_memberIds(self, team: Team) -> list[int]:
        return sorted(member.pk for member in team.members.all())


class TeamListSerializer(hal_list_serializer("Team", "teams", TeamSerializer)):
    """The teams as a HAL page (all of them on page 1), and as `teams` beside it (the shape before #21)."""

    teams = TeamSerializer(many=True)


TEAM = {"id": 3, "name": "Billing", "autoAssignment": "balanced", "memberIds": [12, 15]}


@extend_schema_view(
    get=extend_schema(
        operation_id="listTeams",
        summary="List the account's teams",
        description="Each team's id (the `teamId` of a handover), name, auto-assignment and members.",
        tags=[TAG_ROUTING],
        responses={
            200: ok_response(
                TeamListSerializer,
                "The teams, by name.",
                example_of("Teams", {"_embedded": {"teams": [TEAM]}, "teams": [TEAM]}),
            ),
            **errors_of(*READ_ERRORS),
        },
    )
)
class TeamsView(IntegrationAPIView):
    """The account's teams."""

    def get(self, request):
        teams = Team.objects.filter(account=self.account).prefetch_related("members").order_by("name", "pk")
        items = TeamSerializer(teams, many=True).data
        return Response({**hal_all(request, key="teams", items=items), "teams": items})


class HandoverSerializer(StrictSerializer):
    teamId = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The team (`GET /api/v2/teams`) that takes over; null or absent: the account's people.",
    )


@extend_schema_view(
    post=extend_schema(
        operation_id="handOverConversation",
        summary="Hand a conversation over to people",
        description="A first-line bot (the account's `bot first`) passes an open conversation to a team, or to the "
        "account's people. The bot lets go of it (a person assigned keeps it), the timeline gets an agents-only "
        "line, `conversation.handed_over` goes to the webhooks (`team`, `previousAssigneeId`), and the "
        "conversation queues for the team's auto-assignment (or the account's, without a team). A closed "
        "conversation is refused (409 `conversation_not_open`), an unknown team is a 404.",
        tags=[TAG_ROUTING, TAG_CONVERSATIONS],
        parameters=[CONVERSATION_ID_PARAM, *WRITE_PARAMS],
        request=HandoverSerializer,
        examples=[request_example("To a team", {"teamId": 3}), request_example("To anyone", {"teamId": None})],
        responses={
            200: ok_response(ConversationSerializer, "The conversation.", example_of("Conversation", CONVERSATION)),
            **errors_of(
                *WRITE_ERRORS, *IDEMPOTENCY_ERRORS, "not_found", "conversation_merged", "conversation_not_open"
            ),
        },
    )
)
class ConversationHandoverView(IntegrationAPIView):
    """A bot's handover of a conversation to people."""

    def post(self, request, conversation_id: str):
        conversation = conversation_lookup(request, self.account, conversation_id)
        payload = HandoverSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        team_id = payload.validated_data.get("teamId")
        team = None
        if team_id is not None:
            team = Team.objects.filter(account=self.account, pk=team_id).first()
            if team is None:  # another account's team is as unknown as a missing one
                raise ApiError(404, "not_found", "No such team.")
        conversation_handover(conversation=conversation, team=team, by=self.api_key.bot)
        return Response(conversation_v2(conversations_for_api(account=self.account).get(pk=conversation.pk)))
