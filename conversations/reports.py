"""The reports of an account (#20): conversations opened and closed, first response and resolution times, and
satisfaction, over a range of the account's days, by day, agent, team or label. One selector for the desk's page,
its CSV and the integration API.

Everything is read from timestamps recorded when things happen (`Thread.created_at`, `first_response_at`,
`closed_at`, `SatisfactionRating.answered_at`), aggregated by the database in a few GROUP BY queries whatever the
number of sessions; no message is read. Figures grouped alike come from one pass over the sessions opened or closed
in the range, each over its own rows (`COUNT(*) FILTER (WHERE …)`): the benchmark halved a year's report so
(docs/performance.md, "Reports").

What counts where:
- **opened**: sessions (threads, not imported) created in the range; their first response time (first person's
  answer − opened) goes with them.
- **closed**: sessions closed in the range; their resolution time (closed − opened) goes with them.
- **satisfaction**: ratings answered in the range: how many, their average, and the share of 4 and 5.
- **by day**: the account's day of each timestamp (opened, closed, answered), every day of the range listed.
- **by agent / team**: whom the session counted for (`Thread.assignee`/`team`, recorded at its close; while it is
  open, the conversation's assignee/team now); first response times go to the agent who answered first
  (`first_responder`); a rating to its `agent`/`team`.
- **by label**: the conversation's labels now; a session with two labels counts under both (the totals do not).

Medians: PostgreSQL's `percentile_cont(0.5)` in the same GROUP BY. SQLite has no percentile aggregate: there the
durations of the range (one number per session, never per message) are read and their median taken in Python —
the embedded default serves small accounts; the benchmark (docs/performance.md) runs on PostgreSQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Aggregate, Avg, Count, Exists, F, FloatField, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from agents.models import Account, Agent, Membership, Team
from conversations.models import Label, SatisfactionRating, Thread

GROUPINGS = ("day", "agent", "team", "label")
MAX_DAYS = 366  # a year, leap day included: the longest range one report covers
SATISFIED = 4  # ratings of 4 and 5


class Seconds(Func):
    """`end - start` in seconds, as a float, on PostgreSQL and SQLite."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL (and any other backend with intervals)
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        # date_part gives a double precision; EXTRACT a numeric (PostgreSQL 14+), several times slower to average.
        return f"date_part('epoch', {end[0]} - {start[0]})", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"((julianday({end[0]}) - julianday({start[0]})) * 86400.0)", [*end[1], *start[1]]


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`; the caller uses it on PostgreSQL only."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass
class ReportRow:
    """The figures of one group (a day, an agent, a team, a label) or of the whole range. Times in seconds."""

    key: str  # the day (YYYY-MM-DD), or the agent's, team's or label's id; "" for none (no agent, team, label)
    name: str
    opened: int = 0
    closed: int = 0
    first_response_median: float | None = None
    first_response_average: float | None = None
    resolution_median: float | None = None
    resolution_average: float | None = None
    csat_answered: int = 0
    csat_average: float | None = None
    csat_satisfied_percent: float | None = None
    _satisfied: int = field(default=0, repr=False)


@dataclass
class Report:
    account: Account
    start: date
    end: date
    group_by: str
    rows: list[ReportRow]
    total: ReportRow


def report_accounts(*, agent: Agent) -> QuerySet[Account]:
    """The accounts whose reports the agent may see: those it serves as admin or manager; a superuser's, all."""
    if agent.user.is_active and agent.user.is_superuser:
        return Account.objects.order_by("name")
    roles = Membership.objects.filter(agent=agent, role__in=Membership.REPORT_ROLES)
    return Account.objects.filter(pk__in=roles.values("account")).order_by("name")


def agent_sees_reports() -> Exists:
    """An annotation of Agent rows: whether the agent has a report role in some account (superusers aside)."""
    return Exists(Membership.objects.filter(agent=OuterRef("pk"), role__in=Membership.REPORT_ROLES))


def report_range_problem(start: date, end: date) -> str | None:
    """Why a range cannot be reported (None when it can): the end before the start, or more than MAX_DAYS days."""
    if end < start:
        return "end_before_start"
    if (end - start).days + 1 > MAX_DAYS:
        return "range_too_long"
    return None


def _bounds(account: Account, start: date, end: date) -> tuple[datetime, datetime]:
    """The first moment of `start` and of the day after `end`, in the account's time zone."""
    zone = ZoneInfo(account.time_zone)
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min, zone)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _grouped(queryset: QuerySet, key, aggregates: dict, durations: dict) -> dict:
    """{group key: aggregates} of one GROUP BY (one row, key None, when `key` is None). `durations` maps a name to
    (duration expression, the rows it is taken over) whose median is wanted: in the same query on PostgreSQL, read
    and taken here on SQLite."""
    postgres = connection.vendor == "postgresql"
    if postgres:
        medians = {f"{name}_median": Median(expr, filter=rows) for name, (expr, rows) in durations.items()}
        aggregates = {**aggregates, **medians}
    if key is None:
        found = {None: queryset.aggregate(**aggregates)}
    else:
        found = {row.pop("k"): row for row in queryset.values(k=key).annotate(**aggregates).order_by()}
    if not postgres:
        for name, (expr, rows) in durations.items():
            values = defaultdict(list)
            known = queryset.filter(rows, **{f"{_field_of(expr)}__isnull": False}).order_by()
            if key is None:
                values[None] = list(known.values_list(expr, flat=True))
            else:
                for group, seconds in known.values_list(key, expr):
                    values[group].append(seconds)
            for group, row in found.items():
                row[f"{name}_median"] = statistics.median(values[group]) if values[group] else None
    return found


def _field_of(expr: Seconds) -> str:
    """The end timestamp of a duration (null while it has not happened)."""
    return expr.get_source_expressions()[0].name


def _keys(group_by: str | None, zone: ZoneInfo) -> dict[str, tuple[str, object]]:
    """The group of each figure for a grouping (None: no grouping, the totals), as (name, expression): figures of
    the same name are taken in one query."""
    if group_by == "day":
        opened = ("opened_day", TruncDate("created_at", tzinfo=zone))
        return {
            "opened": opened,
            "first_response": opened,
            "closed": ("closed_day", TruncDate("closed_at", tzinfo=zone)),
            "csat": ("", TruncDate("answered_at", tzinfo=zone)),
        }
    if group_by == "agent":
        counted_for = ("assignee", Coalesce("assignee", "conversation__assignee"))
        return {
            "opened": counted_for,
            "first_response": ("responder", F("first_responder")),
            "closed": counted_for,
            "csat": ("", F("agent")),
        }
    if group_by == "team":
        team = ("team", Coalesce("team", "conversation__team"))
        return {"opened": team, "first_response": team, "closed": team, "csat": ("", F("team"))}
    if group_by == "label":
        label = ("label", F("conversation__labels"))
        return {"opened": label, "first_response": label, "closed": label, "csat": ("", F("conversation__labels"))}
    return {"opened": ("", None), "first_response": ("", None), "closed": ("", None), "csat": ("", None)}


def _figures(account: Account, start: datetime, end: datetime, group_by: str | None) -> dict[object, dict]:
    """{group: figures}: one GROUP BY over the sessions opened or closed in the range for each distinct group of
    the grouping (one for team, label and the totals; two for day and agent), each figure over its own rows
    (`FILTER (WHERE …)`); one over the ratings answered in it; and on SQLite the durations for the medians."""
    keys = _keys(group_by, start.tzinfo)
    opened = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    response = Seconds("first_response_at", "created_at")
    resolution = Seconds("closed_at", "created_at")
    # (rows, aggregates, durations) of each figure
    wanted = {
        "opened": (opened, {"opened": Count("pk", filter=opened)}, {}),
        "first_response": (
            opened,
            {"first_response_average": Avg(response, filter=opened)},
            {"first_response": (response, opened)},
        ),
        "closed": (
            closed,
            {"closed": Count("pk", filter=closed), "resolution_average": Avg(resolution, filter=closed)},
            {"resolution": (resolution, closed)},
        ),
    }
    by_key: dict[str, list[str]] = defaultdict(list)
    for figure in wanted:
        by_key[keys[figure][0]].append(figure)
    threads = Thread.objects.filter(conversation__account=account, imported=False)
    figures: dict[object, dict] = defaultdict(dict)
    for figure_names in by_key.values():
        rows, aggregates, durations = Q(), {}, {}
        for figure in figure_names:
            rows_of, aggregates_of, durations_of = wanted[figure]
            rows = rows | rows_of if rows else rows_of
            aggregates.update(aggregates_of)
            durations.update(durations_of)
        for group, row in _grouped(threads.filter(rows), keys[figure_names[0]][1], aggregates, durations).items():
            figures[group].update(row)
    ratings = SatisfactionRating.objects.filter(
        account=account, answered_at__gte=start, answered_at__lt=end, rating__isnull=False
    )
    found = _grouped(
        ratings,
        keys["csat"][1],
        {
            "csat_answered": Count("pk"),
            "csat_average": Avg("rating", output_field=FloatField()),
            "_satisfied": Count("pk", filter=Q(rating__gte=SATISFIED)),
        },
        {},
    )
    for group, row in found.items():
        figures[group].update(row)
    return figures


def _row(key: str, name: str, figures: dict) -> ReportRow:
    answered = figures.get("csat_answered") or 0
    satisfied = figures.get("_satisfied") or 0
    return ReportRow(
        key=key,
        name=name,
        opened=figures.get("opened") or 0,
        closed=figures.get("closed") or 0,
        first_response_median=_round(figures.get("first_response_median")),
        first_response_average=_round(figures.get("first_response_average")),
        resolution_median=_round(figures.get("resolution_median")),
        resolution_average=_round(figures.get("resolution_average")),
        csat_answered=answered,
        csat_average=_round(figures.get("csat_average") if answered else None),
        csat_satisfied_percent=_round(100 * satisfied / answered) if answered else None,
        _satisfied=satisfied,
    )


def _names(account: Account, group_by: str, ids: list) -> dict[object, str]:
    ids = [i for i in ids if i is not None]
    if group_by == "agent":
        rows = Agent.objects.filter(pk__in=ids).values_list("pk", "display_name")
    elif group_by == "team":
        rows = Team.objects.filter(account=account, pk__in=ids).values_list("pk", "name")
    else:
        rows = Label.objects.filter(account=account, pk__in=ids).values_list("pk", "name")
    return dict(rows)


NONE_NAMES = {"agent": _("No agent"), "team": _("No team"), "label": _("No label")}


def conversation_report(*, account: Account, start: date, end: date, group_by: str) -> Report:
    """The account's figures for its days `start` to `end` (both included), grouped by `group_by` (GROUPINGS), and
    the totals. The caller checks the range first (`report_range_problem`). At most eight queries on PostgreSQL and
    twelve on SQLite, whatever the number of sessions."""
    assert group_by in GROUPINGS and report_range_problem(start, end) is None
    start_at, end_at = _bounds(account, start, end)
    figures = _figures(account, start_at, end_at, group_by)
    total = _row("", _("Total"), _figures(account, start_at, end_at, None)[None])
    if group_by == "day":
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        rows = [_row(day.isoformat(), day.isoformat(), figures.get(day, {})) for day in days]
    else:
        names = _names(account, group_by, list(figures))
        known = sorted((g for g in figures if g is not None and g in names), key=lambda g: (names[g].lower(), g))
        rows = [_row(str(g), names[g], figures[g]) for g in known]
        if None in figures:
            rows.append(_row("", NONE_NAMES[group_by], figures[None]))
    return Report(account=account, start=start, end=end, group_by=group_by, rows=rows, total=total)
