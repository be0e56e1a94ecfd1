"""Routing (#20): availability, auto-assignment (balanced, round robin, capacity, queue, teams), business hours,
bots first and the handover. The rules live in `conversations/services/routing.py`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from agents.models import Agent, AutoAssignment, Membership, OpeningHours, Team, Webhook
from agents.services import membership_add
from conversations.models import Conversation, Message
from conversations.services import (
    agent_activity_seen,
    agent_availability_set,
    agents_idle_away,
    conversation_assign,
    conversation_close,
    conversation_handover,
    conversation_snooze,
    conversation_team_set,
    routing_drain_due,
)
from tests.factories import make_account, make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run what the services leave for after their commit (the drains), as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def online(agent: Agent) -> Agent:
    return agent_availability_set(agent=agent, availability=Agent.Availability.ONLINE)


def new_chat(account, run_after_commit) -> Conversation:
    """A customer writes in a new conversation: it opens a session, and routing has its say after the commit."""
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    run_after_commit(post, conversation, customer)
    conversation.refresh_from_db()
    return conversation


@pytest.fixture
def account():
    return make_account(auto_assignment=AutoAssignment.BALANCED, assignment_capacity=2)


def test_off_by_default_nothing_is_assigned_or_queued(run_after_commit):
    account = make_account()
    online(make_agent(account=account))
    conversation = new_chat(account, run_after_commit)
    assert conversation.assignee_id is None and conversation.queued_at is None


def test_balanced_gives_the_online_agent_with_the_fewest_open_conversations(account, run_after_commit):
    first, second = online(make_agent(account=account)), online(make_agent(account=account))
    assignees = [new_chat(account, run_after_commit).assignee_id for _ in range(3)]
    # 0/0: the lower id; then 1/0: the free one; then 1/1: the one whose turn is longest ago
    assert assignees == [first.pk, second.pk, first.pk]
    closed = Conversation.objects.filter(assignee=second).first()
    run_after_commit(conversation_close, conversation=closed, by=second)
    assert new_chat(account, run_after_commit).assignee_id == second.pk  # 2/0 open: the fewest wins


def test_round_robin_takes_turns(run_after_commit):
    account = make_account(auto_assignment=AutoAssignment.ROUND_ROBIN, assignment_capacity=10)
    first, second = online(make_agent(account=account)), online(make_agent(account=account))
    assignees = [new_chat(account, run_after_commit).assignee_id for _ in range(4)]
    assert assignees == [first.pk, second.pk, first.pk, second.pk]
    line = Message.objects.filter(custom__action="auto_assign").first()
    assert line.is_private and "automatically" in line.text


def test_capacity_queues_the_rest_longest_waiting_first_and_a_close_drains(account, run_after_commit):
    agent = online(make_agent(account=account))
    Membership.objects.filter(agent=agent).update(capacity=1)
    served = new_chat(account, run_after_commit)
    second, third = new_chat(account, run_after_commit), new_chat(account, run_after_commit)
    assert served.assignee_id == agent.pk
    assert second.assignee_id is None and second.queued_at is not None
    assert third.queued_at > second.queued_at
    run_after_commit(conversation_close, conversation=served, by=agent)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.assignee_id == agent.pk and second.queued_at is None
    assert third.assignee_id is None and third.queued_at is not None  # still full: one at a time


def test_snooze_and_unassign_free_capacity_too(account, run_after_commit):
    agent = online(make_agent(account=account))
    Membership.objects.filter(agent=agent).update(capacity=1)
    served, waiting = new_chat(account, run_after_commit), new_chat(account, run_after_commit)
    run_after_commit(conversation_snooze, conversation=served, agent=agent, until=None)
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk
    third = new_chat(account, run_after_commit)
    assert third.assignee_id is None
    run_after_commit(conversation_assign, conversation=waiting, assignee=None)
    third.refresh_from_db()
    assert third.assignee_id == agent.pk


def test_nothing_goes_to_away_offline_or_bots_and_coming_online_drains(account, run_after_commit):
    away = make_agent(account=account)
    agent_availability_set(agent=away, availability=Agent.Availability.AWAY)
    make_agent(account=account)  # offline (the default)
    online(make_agent(account=account, is_bot=True))
    waiting = new_chat(account, run_after_commit)
    assert waiting.assignee_id is None and waiting.queued_at is not None
    run_after_commit(agent_availability_set, agent=away, availability=Agent.Availability.ONLINE)
    waiting.refresh_from_db()
    assert waiting.assignee_id == away.pk


def test_a_team_routes_to_its_members_only(run_after_commit):
    account = make_account()  # the account itself does not assign
    outsider, member = online(make_agent(account=account)), online(make_agent(account=account))
    team = Team.objects.create(account=account, name="Billing", auto_assignment=AutoAssignment.BALANCED)
    team.members.add(member)
    customer = make_customer(account=account)
    conversation = make_conversation(account=account, customers=[customer])
    run_after_commit(post, conversation, customer)
    run_after_commit(conversation_team_set, conversation=conversation, team=team, agent=outsider)
    conversation.refresh_from_db()
    assert conversation.team_id == team.pk and conversation.assignee_id == member.pk
    assert Message.objects.filter(conversation=conversation, custom__action="team", is_private=True).exists()


def test_a_team_of_another_account_is_refused(account, run_after_commit):
    other_team = Team.objects.create(account=make_account(), name="Theirs")
    conversation = new_chat(account, run_after_commit)
    with pytest.raises(Exception) as refused:
        conversation_team_set(conversation=conversation, team=other_team, agent=None)
    assert getattr(refused.value, "code", None) == "unknown_team"
    conversation.refresh_from_db()
    assert conversation.team_id is None


def test_outside_business_hours_the_queue_waits_for_opening_time(time_machine, run_after_commit):
    account = make_account(
        auto_assignment=AutoAssignment.BALANCED, business_hours_enabled=True, time_zone="Europe/Amsterdam"
    )
    for weekday in range(5):
        OpeningHours.objects.create(account=account, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    # Monday 2026-12-07 07:30 in Amsterdam (06:30 UTC): closed
    time_machine.move_to(dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC), tick=False)
    agent = online(make_agent(account=account))
    waiting = new_chat(account, run_after_commit)
    assert waiting.assignee_id is None and waiting.queued_at is not None
    assert routing_drain_due() == 0
    time_machine.move_to(dt.datetime(2026, 12, 7, 8, 0, 1, tzinfo=dt.UTC), tick=False)  # 09:00:01 there
    assert routing_drain_due() == 1
    waiting.refresh_from_db()
    assert waiting.assignee_id == agent.pk


def test_bot_first_then_handover_to_a_team_that_assigns(run_after_commit, httpserver):
    account = make_account()
    bot = make_agent(account=account, is_bot=True)
    account.bot_first = bot
    account.save()
    person = online(make_agent(account=account))
    team = Team.objects.create(account=account, name="Support", auto_assignment=AutoAssignment.ROUND_ROBIN)
    team.members.add(person)
    conversation = new_chat(account, run_after_commit)
    assert conversation.assignee_id == bot.pk
    Webhook.objects.create(
        account=account, url=httpserver.url_for("/hook"), events=[Webhook.Event.CONVERSATION_HANDED_OVER]
    )
    run_after_commit(conversation_handover, conversation=conversation, team=team, by=bot)
    conversation.refresh_from_db()
    assert conversation.team_id == team.pk and conversation.assignee_id == person.pk
    line = Message.objects.get(conversation=conversation, custom__action="handover")
    assert line.is_private and line.text == f"{bot.display_name} handed the conversation over to Support"
    delivery = account.deliveries.get(event_type=Webhook.Event.CONVERSATION_HANDED_OVER)
    assert delivery.payload["data"]["team"] == {"id": team.pk, "name": "Support"}
    assert delivery.payload["data"]["previousAssigneeId"] == bot.pk
    # The next session of the conversation stays with its team: the bot is not asked again.
    run_after_commit(conversation_close, conversation=conversation, by=person)
    run_after_commit(post, conversation, conversation.primary_customer)
    conversation.refresh_from_db()
    assert conversation.assignee_id == person.pk


def test_handover_of_a_closed_conversation_is_refused(account, run_after_commit):
    conversation = make_conversation(account=account)
    with pytest.raises(Exception) as refused:
        conversation_handover(conversation=conversation, team=None, by=None)
    assert getattr(refused.value, "code", None) == "conversation_not_open"


def test_idle_agents_become_away_and_activity_keeps_them_online(time_machine):
    account = make_account()
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC), tick=False)
    idle, busy = online(make_agent(account=account)), online(make_agent(account=account))
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 14, tzinfo=dt.UTC), tick=False)
    agent_activity_seen(agent=busy)
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 16, tzinfo=dt.UTC), tick=False)
    assert agents_idle_away(idle_seconds=15 * 60) == 1
    idle.refresh_from_db()
    busy.refresh_from_db()
    assert idle.availability == Agent.Availability.AWAY
    assert busy.availability == Agent.Availability.ONLINE


def test_a_sign_of_life_brings_an_idle_agent_back_online_but_not_one_who_chose_away(time_machine, run_after_commit):
    account = make_account(auto_assignment=AutoAssignment.BALANCED)
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC), tick=False)
    idle = online(make_agent(account=account))
    chose = agent_availability_set(agent=make_agent(account=account), availability=Agent.Availability.AWAY)
    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 16, tzinfo=dt.UTC), tick=False)
    assert agents_idle_away(idle_seconds=15 * 60) == 1
    waiting = new_chat(account, run_after_commit)
    assert waiting.assignee_id is None and waiting.queued_at is not None

    run_after_commit(agent_activity_seen, agent=idle)
    run_after_commit(agent_activity_seen, agent=chose)

    idle.refresh_from_db()
    chose.refresh_from_db()
    waiting.refresh_from_db()
    assert (idle.availability, idle.idle_away) == (Agent.Availability.ONLINE, False)
    assert chose.availability == Agent.Availability.AWAY
    assert waiting.assignee_id == idle.pk  # back online, the queue drained to them


def test_signing_in_puts_an_agent_online_and_signing_out_offline():
    account = make_account()
    agent = make_agent(account=account)
    client = Client()
    client.force_login(agent.user)
    agent.refresh_from_db()
    assert agent.availability == Agent.Availability.ONLINE
    client.post("/admin/logout/")
    agent.refresh_from_db()
    assert agent.availability == Agent.Availability.OFFLINE


def test_unknown_availability_is_refused():
    agent = make_agent(account=make_account())
    with pytest.raises(Exception) as refused:
        agent_availability_set(agent=agent, availability="busy")
    assert getattr(refused.value, "code", None) == "invalid_availability"


def test_a_membership_capacity_overrides_the_account_capacity(run_after_commit):
    account = make_account(auto_assignment=AutoAssignment.BALANCED, assignment_capacity=1)
    agent = make_agent(account=make_account())
    membership_add(agent=agent, account=account)
    online(agent)
    first, second = new_chat(account, run_after_commit), new_chat(account, run_after_commit)
    assert first.assignee_id == agent.pk and second.assignee_id is None
    Membership.objects.filter(agent=agent, account=account).update(capacity=2)
    assert routing_drain_due() == 1
    second.refresh_from_db()
    assert second.assignee_id == agent.pk


def test_turning_auto_assignment_on_queues_what_already_waits_longest_first(run_after_commit, time_machine):
    account = make_account(assignment_capacity=1)
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC), tick=False)
    older = new_chat(account, run_after_commit)
    time_machine.move_to(dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC), tick=False)
    newer = new_chat(account, run_after_commit)
    agent = online(make_agent(account=account))
    assert (older.queued_at, newer.queued_at, older.assignee_id) == (None, None, None)  # off: nothing happens

    account.auto_assignment = AutoAssignment.BALANCED
    run_after_commit(account.save)

    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.assignee_id == agent.pk and older.queued_at is None
    assert newer.assignee_id is None and newer.queued_at == dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC)


def test_a_team_turned_on_queues_its_own_conversations_only(run_after_commit):
    account = make_account()
    team = Team.objects.create(account=account, name="Billing")
    agent = online(make_agent(account=account))
    team.members.add(agent)
    for_team, other = new_chat(account, run_after_commit), new_chat(account, run_after_commit)
    Conversation.objects.filter(pk=for_team.pk).update(team=team)

    team.auto_assignment = AutoAssignment.ROUND_ROBIN
    run_after_commit(team.save)
    account.name = "Renamed"  # an unrelated save of the account (mode still off) queues nothing
    run_after_commit(account.save)

    for_team.refresh_from_db()
    other.refresh_from_db()
    assert for_team.assignee_id == agent.pk
    assert (other.assignee_id, other.queued_at) == (None, None)
