"""The desk's part of routing (#20): availability in the top bar, the sign of life, routing to a team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from agents.models import Account, Agent, Team
from conversations.models import Message
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


def test_the_top_bar_shows_and_sets_the_availability(desk: Client, agent: Agent):
    page = desk.get(reverse("desk:inbox")).content.decode()
    assert 'id="availability"' in page and '<option value="online" selected>' in page  # signed in: online
    response = desk.post(reverse("desk:availability"), {"availability": "away"}, headers={"Accept": "application/json"})
    assert response.json() == {"availability": "away", "label": "Away"}
    agent.refresh_from_db()
    assert agent.availability == "away"
    # Without JavaScript: a plain form, back to where it was sent from.
    response = desk.post(reverse("desk:availability"), {"availability": "offline", "next": "/desk/?view=mine"})
    assert response.status_code == 302 and response["Location"] == "/desk/?view=mine"
    agent.refresh_from_db()
    assert agent.availability == "offline"


def test_a_bad_availability_is_refused_and_changes_nothing(desk: Client, agent: Agent):
    response = desk.post(reverse("desk:availability"), {"availability": "busy"}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and "error" in response.json()
    response = desk.post(reverse("desk:availability"), {"availability": ""})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.availability == "online"


def test_a_sign_of_life_restarts_the_idle_clock_and_answers_the_availability(desk: Client, agent: Agent, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC), tick=False)
    response = desk.post(reverse("desk:presence"))
    assert response.json()["availability"] == "online"
    agent.refresh_from_db()
    assert agent.last_active_at == dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
    assert desk.get(reverse("desk:presence")).status_code == 405


def test_a_conversation_is_routed_to_a_team_of_its_account_only(desk: Client, account: Account, agent: Agent):
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Hello")
    team = Team.objects.create(account=account, name="Billing")
    theirs = Team.objects.create(account=make_account(), name="Theirs")
    url = reverse("desk:conversation-team", args=[conversation.pk])

    page = desk.get(reverse("desk:conversation", args=[conversation.pk])).content.decode()
    assert f'<option value="{team.pk}"' in page and "Theirs" not in page

    desk.post(url, {"team": theirs.pk})
    desk.post(url, {"team": "x"})
    conversation.refresh_from_db()
    assert conversation.team_id is None

    response = desk.post(url, {"team": team.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="conversation-team">Billing<' in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.team_id == team.pk
    assert Message.objects.filter(conversation=conversation, custom__action="team", is_private=True).count() == 1


def test_another_tenants_agent_cannot_route_a_conversation(account: Account):
    conversation = make_conversation(account=account)
    team = Team.objects.create(account=account, name="Billing")
    stranger = Client()
    stranger.force_login(make_agent(account=make_account()).user)
    response = stranger.post(reverse("desk:conversation-team", args=[conversation.pk]), {"team": team.pk})
    assert response.status_code == 404
    conversation.refresh_from_db()
    assert conversation.team_id is None
