"""Routing on the integration API (#20): `GET /api/v2/teams` and a bot's `POST …/handover`."""

from __future__ import annotations

import pytest

from agents.models import Agent, AutoAssignment, Team
from conversations.models import Conversation, Message
from conversations.services import agent_availability_set
from tests.integration.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(account, agent) -> Team:
    team = Team.objects.create(account=account, name="Billing", auto_assignment=AutoAssignment.BALANCED)
    team.members.add(agent)
    return team


def test_teams_lists_the_accounts_teams_only(api, other_api, team, agent):
    Team.objects.create(account=other_api.account, name="Theirs")
    response = api.get("/api/v2/teams")
    assert response.status_code == 200
    teams = [{"id": team.pk, "name": "Billing", "autoAssignment": "balanced", "memberIds": [agent.pk]}]
    page = {"size": 1, "totalElements": 1, "totalPages": 1, "number": 1}
    href = {"href": "http://testserver/api/v2/teams?page=1"}
    assert response.json() == {
        "teams": teams,
        "_embedded": {"teams": teams},
        "page": page,
        "_links": {"self": href, "first": href, "last": href},
    }
    assert [t["name"] for t in other_api.get("/api/v2/teams").json()["teams"]] == ["Theirs"]


def test_a_bot_hands_over_to_a_team_which_assigns_an_online_member(
    bot_api, bot, team, agent, make_conversation, say, django_capture_on_commit_callbacks
):
    agent_availability_set(agent=agent, availability=Agent.Availability.ONLINE)
    make_conversation("order_1")
    say("order_1", "alice", "I need a person")
    Conversation.objects.filter(public_id="order_1").update(assignee=bot)

    with django_capture_on_commit_callbacks(execute=True):
        response = bot_api.post("/api/v2/conversations/order_1/handover", {"teamId": team.pk})

    assert response.status_code == 200, response.content
    conversation = Conversation.objects.get(public_id="order_1")
    assert (conversation.team_id, conversation.assignee_id) == (team.pk, agent.pk)
    line = Message.objects.get(conversation=conversation, custom__action="handover")
    assert line.is_private and line.text.startswith(bot.display_name)


def test_handover_refuses_bad_input_and_writes_nothing(api, other_api, make_conversation, say):
    make_conversation("order_2")
    say("order_2", "alice", "Hello")
    theirs = Team.objects.create(account=other_api.account, name="Theirs")
    for body in ({"teamId": "billing"}, {"team": 1}, [1]):
        assert_error(api.post("/api/v2/conversations/order_2/handover", body), 400, "validation_failed")
    assert_error(api.post("/api/v2/conversations/order_2/handover", {"teamId": theirs.pk}), 404, "not_found")
    assert_error(api.post("/api/v2/conversations/nope/handover", {}), 404, "not_found")
    make_conversation("order_3")  # closed
    assert_error(api.post("/api/v2/conversations/order_3/handover", {}), 409, "conversation_not_open")
    # another tenant's key cannot touch this account's conversation
    assert_error(other_api.post("/api/v2/conversations/order_2/handover", {}), 404, "not_found")
    assert not Message.objects.filter(custom__action="handover").exists()
    assert Conversation.objects.get(public_id="order_2").team_id is None
