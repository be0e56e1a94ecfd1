"""A small hand-made data set for the reports (#20), shared by the selector's, the desk's and the API's tests.

The account lives in Europe/Amsterdam (UTC+1 in January); the range is 1–3 January 2026 of its days. Times below
are UTC. Sessions (threads):
  t1  conversation c1 (labels billing, vip; A, team T): opened 1 Jan 10:00, answered by A 10:01 (60 s), closed
      11:00 (3,600 s) for A and T; rated 5 on 1 Jan 12:00 (A, T).
  t2  c2 (billing; B, no team): opened 1 Jan 23:30 (2 Jan 00:30 there), answered by B 23:35 (300 s), closed 2 Jan
      01:30 (7,200 s) for B; rated 2 on 2 Jan 02:00 (B).
  t3  c3 (no label; A, team T; still open): opened 2 Jan 12:00, answered by B 12:02 (120 s).
  t4  c4 (no label): opened 31 Dec 22:00 (23:00 there: before the range), closed 1 Jan 00:30 (01:30 there; 9,000 s)
      for A and T; rated 4 on 3 Jan 10:00 by nobody's count (no agent, no team).
  not counted: an imported thread, a rating asked and not answered, and another account's session and rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agents.models import Account, Agent, Team
from conversations.models import Conversation, Label, SatisfactionRating, Thread
from conversations.services import labels_set
from tests.factories import make_account, make_agent, make_conversation, make_customer


@dataclass
class ReportData:
    account: Account
    a: Agent
    b: Agent
    team: Team
    billing: Label
    vip: Label


def at(day: int, hour: int, minute: int = 0, *, month: int = 1, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _session(conversation, **fields) -> Thread:
    fields.setdefault("status", Thread.Status.CLOSED if fields.get("closed_at") else Thread.Status.OPEN)
    return Thread.objects.create(conversation=conversation, source="app", **fields)


def _rating(thread: Thread, rating: int | None, answered_at, *, agent=None, team=None) -> SatisfactionRating:
    return SatisfactionRating.objects.create(
        account=thread.conversation.account,
        conversation=thread.conversation,
        thread=thread,
        agent=agent,
        team=team,
        rating=rating,
        asked_at=thread.closed_at or thread.created_at,
        answered_at=answered_at,
    )


def _conversation(account: Account, **fields) -> Conversation:
    conversation = make_conversation(account=account, customers=[make_customer(account=account)])
    Conversation.objects.filter(pk=conversation.pk).update(visible=True, **fields)
    conversation.refresh_from_db()
    return conversation


def report_data(account: Account | None = None) -> ReportData:
    account = account or make_account(time_zone="Europe/Amsterdam")
    a, b = make_agent(account=account), make_agent(account=account)
    team = Team.objects.create(account=account, name="Tier one")
    c1 = _conversation(account, assignee=a, team=team)
    c2 = _conversation(account, assignee=b)
    c3 = _conversation(account, assignee=a, team=team)
    c4 = _conversation(account)
    billing, vip = labels_set(conversation=c1, names=["billing", "vip"])
    labels_set(conversation=c2, names=["billing"])

    t1 = _session(
        c1,
        created_at=at(1, 10),
        first_response_at=at(1, 10, 1),
        first_responder=a,
        closed_at=at(1, 11),
        assignee=a,
        team=team,
    )
    t2 = _session(
        c2,
        created_at=at(1, 23, 30),
        first_response_at=at(1, 23, 35),
        first_responder=b,
        closed_at=at(2, 1, 30),
        assignee=b,
    )
    _session(c3, created_at=at(2, 12), first_response_at=at(2, 12, 2), first_responder=b)
    t4 = _session(c4, created_at=at(31, 22, month=12, year=2025), closed_at=at(1, 0, 30), assignee=a, team=team)
    _rating(t1, 5, at(1, 12), agent=a, team=team)
    _rating(t2, 2, at(2, 2), agent=b)
    _rating(t4, 4, at(3, 10))

    # Not counted: imported history, an unanswered rating, another account.
    _session(c4, created_at=at(2, 9), closed_at=at(2, 10), imported=True, close_reason=Thread.CloseReason.IMPORTED)
    unanswered = _session(c2, created_at=at(20, 8, month=12, year=2025), closed_at=at(20, 9, month=12, year=2025))
    _rating(unanswered, None, None, agent=b)
    other = make_account(time_zone="Europe/Amsterdam")
    elsewhere = _session(
        _conversation(other), created_at=at(1, 10), first_response_at=at(1, 10, 5), closed_at=at(1, 12)
    )
    _rating(elsewhere, 1, at(1, 13))
    return ReportData(account=account, a=a, b=b, team=team, billing=billing, vip=vip)
