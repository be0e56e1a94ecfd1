"""Routing (#20): who answers a waiting conversation, by itself.

- A customer who opens a session in an unassigned conversation (`routing_session_opened`, on the `session_opened`
  signal `message_post` sends after its commit) reaches the account's first-line bot (`Account.bot_first`) if it has
  one and the conversation was never handed over; else the conversation joins the queue (`queued_at`) when
  auto-assignment is on for its team (or, without a team, its account).
- The queue drains (`routing_drain`) after that commit, whenever capacity frees up (a conversation closes, sleeps,
  is unassigned or handed over; an agent comes online), and in every worker sweep (opening time, missed drains):
  longest-waiting first, each to an online person (never a bot, never away or offline) of its team, or of its
  account, under their capacity (`Membership.capacity`, else the account's `assignment_capacity`): balanced (the
  fewest open conversations, then the one waiting longest for a turn) or round robin (the one assigned least
  recently). Nothing drains while the account is closed (business hours).
- Concurrency: every drain of an account holds the account's row lock while it counts and assigns, so two drains
  (two new conversations at the same moment, two web processes) never give an agent more than their capacity. Lock
  order: the account row, then one conversation row (each assignment is its own transaction).
- A bot hands over (`conversation_handover`, the integration API) to a team, or to the account's people: a private
  line in the timeline, a `conversation.handed_over` webhook event, and the conversation queues for that team.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.business_hours import account_is_open
from agents.models import Account, Agent, AutoAssignment, Membership, Team
from conversations import poll_state
from conversations.events import Event, conversation_event
from conversations.models import Conversation
from conversations.services.desk import desk_line
from conversations.services.locks import conversation_lock
from messenger_project.errors import ServiceError

logger = logging.getLogger(__name__)

# Assignments one drain makes at most (a sweep comes back for the rest).
DRAIN_BATCH = 200


def routing_mode(*, account: Account, team: Team | None) -> str:
    return team.auto_assignment if team is not None else account.auto_assignment


def routing_session_opened(sender=None, *, conversation_id: int, **kwargs) -> None:
    """Receiver of `session_opened` (after the commit of a customer's message that opened a session): an unassigned
    open conversation goes to the account's first-line bot, else joins the queue. Its failure is logged; the
    customer's message is stored whatever happens here."""
    try:
        with transaction.atomic():
            conversation = conversation_lock(Conversation(pk=conversation_id), refuse_merged=False)
            if conversation.assignee_id is not None or conversation.status not in Conversation.OPEN_STATUSES:
                return
            account = conversation.account
            if account.bot_first_id is not None and conversation.team_id is None:
                bot = Agent.objects.filter(pk=account.bot_first_id, is_bot=True, memberships__account=account).first()
                if bot is not None:
                    _assign(conversation=conversation, agent=bot)
                    return
            routing_enqueue(conversation=conversation, now=timezone.now())
    except Conversation.DoesNotExist:
        return
    except Exception:
        logger.exception("routing of conversation %s failed", conversation_id)


def routing_enqueue(*, conversation: Conversation, now: datetime) -> bool:
    """Queue an open, unassigned conversation (locked by the caller) when auto-assignment is on for it; the queue
    drains after the commit. True when queued."""
    if (
        conversation.assignee_id is not None
        or conversation.status not in Conversation.OPEN_STATUSES
        or conversation.queued_at is not None
        or routing_mode(account=conversation.account, team=conversation.team) == AutoAssignment.OFF
    ):
        return False
    conversation.queued_at = now
    conversation.save(update_fields=["queued_at", "updated_at"])
    routing_drain_after_commit(account_id=conversation.account_id)
    return True


def routing_backlog_enqueue(*, account_id: int, team_id: int | None, now: datetime | None = None) -> int:
    """Auto-assignment was just turned on for an account (its conversations without a team) or for a team: their open,
    unassigned conversations join the queue, in the order they have waited, and it drains after the commit. Returns
    how many joined. (A conversation assigned meanwhile is skipped: the UPDATE re-reads its row.)"""
    now = now or timezone.now()
    joined = Conversation.objects.filter(
        account_id=account_id,
        team_id=team_id,
        status__in=Conversation.OPEN_STATUSES,
        assignee__isnull=True,
        queued_at__isnull=True,
        merged_into__isnull=True,
    ).update(queued_at=Coalesce("waiting_since", "last_activity_at", Value(now)))
    if joined:
        routing_drain_after_commit(account_id=account_id)
    return joined


def routing_drain_after_commit(*, account_id: int) -> None:
    transaction.on_commit(lambda: routing_drain_safely(account_id=account_id))


def routing_drain_safely(*, account_id: int) -> int:
    """A drain that runs after someone's committed write: its failure is logged (the next sweep drains again),
    never the failure of that write."""
    try:
        return routing_drain(account_id=account_id)
    except Exception:
        logger.exception("routing drain of account %s failed; the worker's sweep tries again", account_id)
        return 0


@dataclass
class _Seat:
    membership: Membership
    load: int
    capacity: int

    @property
    def free(self) -> bool:
        return self.load < self.capacity


def _seats(account: Account) -> dict[int, _Seat]:
    """The online people serving the account, with their open conversations and capacity (2 queries)."""
    memberships = list(
        Membership.objects.filter(
            account=account, agent__is_bot=False, agent__availability=Agent.Availability.ONLINE
        ).select_related("agent")
    )
    loads = dict(
        Conversation.objects.filter(
            account=account,
            assignee_id__in=[m.agent_id for m in memberships],
            status__in=Conversation.OPEN_STATUSES,
        )
        .values("assignee")
        .annotate(n=Count("pk"))
        .values_list("assignee", "n")
    )
    return {
        m.agent_id: _Seat(m, loads.get(m.agent_id, 0), m.capacity or account.assignment_capacity) for m in memberships
    }


def _pick(seats: list[_Seat], mode: str) -> _Seat | None:
    free = [seat for seat in seats if seat.free]
    if not free:
        return None
    never = datetime.min.replace(tzinfo=UTC)

    def turn(seat: _Seat):
        return seat.membership.last_assigned_at or never

    if mode == AutoAssignment.ROUND_ROBIN:
        return min(free, key=lambda seat: (turn(seat), seat.membership.agent_id))
    return min(free, key=lambda seat: (seat.load, turn(seat), seat.membership.agent_id))


def _assign(*, conversation: Conversation, agent: Agent) -> None:
    """Assign a locked conversation (as `conversation_assign` does) and take it out of the queue."""
    previous = conversation.assignee_id
    conversation.assignee = agent
    conversation.queued_at = None
    conversation.save(update_fields=["assignee", "queued_at", "updated_at"])
    poll_state.conversation_snapshots_forget(account_id=conversation.account_id, conversation_id=conversation.pk)
    conversation_event(conversation=conversation, event=Event.CONVERSATION_ASSIGNED, previousAssigneeId=previous)


def _drain_one(account_id: int, now: datetime) -> bool:
    """One assignment under the account's lock; False when nothing more can be assigned now."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if not account_is_open(account, now):
            return False
        # Clean the queue of what was answered meanwhile (assigned by hand, closed, snoozed, deleted agent).
        Conversation.objects.filter(account=account, queued_at__isnull=False).exclude(
            assignee__isnull=True, status__in=Conversation.OPEN_STATUSES
        ).update(queued_at=None)
        queued = list(
            Conversation.objects.filter(account=account, queued_at__isnull=False)
            .select_related("team")
            .order_by("queued_at", "pk")[:DRAIN_BATCH]
        )
        if not queued:
            return False
        seats = _seats(account)
        if not any(seat.free for seat in seats.values()):
            return False
        team_ids = {c.team_id for c in queued if c.team_id is not None}
        team_members: dict[int, set[int]] = {}
        for team_id, agent_id in Team.members.through.objects.filter(team_id__in=team_ids).values_list(
            "team_id", "agent_id"
        ):
            team_members.setdefault(team_id, set()).add(agent_id)
        for waiting in queued:
            mode = routing_mode(account=account, team=waiting.team)
            if mode == AutoAssignment.OFF:  # turned off since it queued
                Conversation.objects.filter(pk=waiting.pk).update(queued_at=None)
                continue
            candidates = [
                seat
                for agent_id, seat in seats.items()
                if waiting.team_id is None or agent_id in team_members.get(waiting.team_id, set())
            ]
            seat = _pick(candidates, mode)
            if seat is None:
                continue  # its team is full: the next in the queue may belong to another
            conversation = conversation_lock(waiting, refuse_merged=False)
            if (
                conversation.assignee_id is not None
                or conversation.queued_at is None
                or conversation.status not in Conversation.OPEN_STATUSES
            ):
                return True  # changed under us: read the queue again
            conversation.account = account
            _assign(conversation=conversation, agent=seat.membership.agent)
            desk_line(
                conversation=conversation,
                agent=None,
                action="auto_assign",
                text=f"assigned to {seat.membership.agent.display_name} automatically",
                private=True,
            )
            Membership.objects.filter(pk=seat.membership.pk).update(last_assigned_at=now)
            return True
        return False


def routing_drain(*, account_id: int, now: datetime | None = None) -> int:
    """Assign what the queue of the account can give away now; returns how many were assigned."""
    assigned = 0
    while assigned < DRAIN_BATCH and _drain_one(account_id, now or timezone.now()):
        assigned += 1
    return assigned


def routing_drain_due(*, now: datetime | None = None) -> int:
    """The worker's sweep: drain every account with a queue (opening time, agents back, a drain that failed)."""
    account_ids = Conversation.objects.filter(queued_at__isnull=False).values_list("account_id", flat=True).distinct()
    return sum(routing_drain_safely(account_id=account_id) for account_id in list(account_ids))


def routing_capacity_changed(sender=None, *, account_id: int, **kwargs) -> None:
    """Receiver of `capacity_freed` (sent after a commit): drain the account's queue."""
    routing_drain_safely(account_id=account_id)


# --- availability ----------------------------------------------------------------------------------------------


def agent_availability_set(*, agent: Agent, availability: str, now: datetime | None = None) -> Agent:
    """Online, away or offline, as the agent chose (or as idle time or signing out decided). Coming online drains
    the queues of the agent's accounts."""
    if availability not in Agent.Availability.values:
        raise ServiceError("invalid_availability", message="Choose online, away or offline.")
    now = now or timezone.now()
    with transaction.atomic():
        Agent.objects.filter(pk=agent.pk).update(availability=availability, last_active_at=now, idle_away=False)
        agent.availability, agent.last_active_at, agent.idle_away = availability, now, False
        if availability == Agent.Availability.ONLINE:
            for account_id in agent.memberships.values_list("account_id", flat=True):
                routing_drain_after_commit(account_id=account_id)
    return agent


def agent_activity_seen(*, agent: Agent, now: datetime | None = None) -> Agent:
    """A sign of life at the desk (a key, a click): the idle clock starts again, and an agent whom idleness made away
    is online again (one who chose away stays away)."""
    now = now or timezone.now()
    back = Agent.objects.filter(pk=agent.pk, availability=Agent.Availability.AWAY, idle_away=True)
    if back.update(availability=Agent.Availability.ONLINE, idle_away=False, last_active_at=now):
        agent.availability, agent.idle_away = Agent.Availability.ONLINE, False
        for account_id in agent.memberships.values_list("account_id", flat=True):
            routing_drain_safely(account_id=account_id)
    else:
        Agent.objects.filter(pk=agent.pk).update(last_active_at=now)
    agent.last_active_at = now
    return agent


def agents_idle_away(*, idle_seconds: int, now: datetime | None = None) -> int:
    """Online agents with no sign of life for `idle_seconds` become away (the worker's sweep); returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=idle_seconds)
    idle = Q(last_active_at__lt=cutoff) | Q(last_active_at__isnull=True)
    return Agent.objects.filter(idle, availability=Agent.Availability.ONLINE).update(
        availability=Agent.Availability.AWAY, idle_away=True
    )


# --- teams and handover ----------------------------------------------------------------------------------------


def conversation_team_set(*, conversation: Conversation, team: Team | None, agent: Agent | None) -> Conversation:
    """Route a conversation to one of its account's teams (or to none): a private line; an unassigned open one
    queues for the team when the team assigns by itself."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if team is not None and team.account_id != conversation.account_id:
            raise ServiceError("unknown_team", status_code=404, message="No such team in this account.")
        if conversation.team_id == (team.pk if team else None):
            return conversation
        conversation.team = team
        conversation.queued_at = None
        conversation.save(update_fields=["team", "queued_at", "updated_at"])
        conversation_event(conversation=conversation, event=Event.CONVERSATION_UPDATED)
        desk_line(
            conversation=conversation,
            agent=agent,
            action="team",
            text=f"routed the conversation to {team.name}" if team else "took the conversation out of its team",
            private=True,
        )
        routing_enqueue(conversation=conversation, now=timezone.now())
    return conversation


def conversation_handover(*, conversation: Conversation, team: Team | None, by: Agent | None) -> Conversation:
    """A bot passes the conversation to people: to `team`, or to the account's own routing (None). The bot lets go
    of it (a person keeps it), a private line says so, `conversation.handed_over` goes to the webhooks, and it
    queues for the team's (or the account's) auto-assignment."""
    with transaction.atomic():
        conversation = conversation_lock(conversation)
        if team is not None and team.account_id != conversation.account_id:
            raise ServiceError("unknown_team", status_code=404, message="No such team in this account.")
        if not conversation.is_open:
            raise ServiceError(
                "conversation_not_open", status_code=409, message="Only an open conversation is handed over."
            )
        previous_assignee = conversation.assignee
        if previous_assignee is not None and previous_assignee.is_bot:
            conversation.assignee = None
        conversation.team = team
        conversation.queued_at = None
        conversation.save(update_fields=["assignee", "team", "queued_at", "updated_at"])
        poll_state.conversation_snapshots_forget(account_id=conversation.account_id, conversation_id=conversation.pk)
        conversation_event(
            conversation=conversation,
            event=Event.CONVERSATION_HANDED_OVER,
            team={"id": team.pk, "name": team.name} if team else None,
            previousAssigneeId=previous_assignee.pk if previous_assignee else None,
        )
        desk_line(
            conversation=conversation,
            agent=by,
            action="handover",
            text=f"handed the conversation over to {team.name}" if team else "handed the conversation over",
            private=True,
        )
        routing_enqueue(conversation=conversation, now=timezone.now())
    return conversation
