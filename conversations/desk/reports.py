"""The desk's reports page (#20) for admins and managers of an account: summary cards, server-rendered SVG charts,
a table, and the same figures as CSV. The figures come from `conversations.reports`; this module only reads the
query string and lays them out."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from conversations.desk.views import agent_required
from conversations.reports import (
    MAX_DAYS,
    Report,
    ReportRow,
    conversation_report,
    report_accounts,
    report_range_problem,
)

DEFAULT_DAYS = 30
GROUP_NAMES = {
    "day": gettext_lazy("Day"),
    "agent": gettext_lazy("Agent"),
    "team": gettext_lazy("Team"),
    "label": gettext_lazy("Label"),
}


class ReportForm(forms.Form):
    account = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Account"))
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    group_by = forms.ChoiceField(choices=list(GROUP_NAMES.items()), label=gettext_lazy("Group by"))

    def __init__(self, data, *, accounts):
        super().__init__(data)
        self.fields["account"].choices = [(a.pk, a.name) for a in accounts]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            problem = report_range_problem(start, end)
            if problem == "end_before_start":
                self.add_error("end", _("The end is before the start."))
            elif problem:
                self.add_error("end", _("A report covers at most %(days)s days.") % {"days": MAX_DAYS})
        return cleaned


def _query(request, accounts) -> ReportForm:
    """The form bound to the query string with the defaults filled in: the first account, its last 30 days, by
    day. An account id that is not one of `accounts` (another tenant's, or one without a report role) is a 404."""
    given = request.GET
    account_id = given.get("account") or str(accounts[0].pk)
    account = next((a for a in accounts if str(a.pk) == account_id), None)
    if account is None:
        raise Http404("No such account")
    today = timezone.now().astimezone(ZoneInfo(account.time_zone)).date()
    data = {
        "account": account_id,
        "start": given.get("start") or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "end": given.get("end") or today.isoformat(),
        "group_by": given.get("group_by") or "day",
    }
    return ReportForm(data, accounts=accounts)


def duration(seconds: float | None) -> str:
    """A time for people: "45 s", "12 min", "3 h 05 min", "2 d 4 h"; "–" without one."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)s h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)s d %(h)s h") % {"d": days, "h": hours}


def _number(value: float | None, suffix: str = "") -> str:
    return "–" if value is None else f"{value:g}{suffix}"


def _cells(row: ReportRow) -> list[str]:
    return [
        str(row.opened),
        str(row.closed),
        duration(row.first_response_median),
        duration(row.first_response_average),
        duration(row.resolution_median),
        duration(row.resolution_average),
        str(row.csat_answered),
        _number(row.csat_average),
        _number(row.csat_satisfied_percent, " %"),
    ]


def _columns() -> list[str]:
    return [
        _("Opened"),
        _("Closed"),
        _("First response, median"),
        _("First response, average"),
        _("Resolution, median"),
        _("Resolution, average"),
        _("Ratings"),
        _("Rating, average"),
        _("Satisfied (4–5)"),
    ]


# --- the charts: plain SVG drawn here, styled by static/agents/reports.css ------------------------------------

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 28  # room for the axis labels


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


def _nice_top(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(*, title: str, rows: list[ReportRow], series: list[tuple[str, str]], scale: float = 1) -> dict:
    """A grouped bar chart of `series` ((name, ReportRow attribute), …) over `rows`, values divided by `scale`
    (60: seconds shown in minutes). Returns what templates/agents/_report_chart.html draws, with a text summary
    for screen readers (the table below the chart holds every figure)."""
    values = [[(getattr(row, attr) or 0) / scale for _name, attr in series] for row in rows]
    top = _nice_top(max((v for group in values for v in group), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(rows), 1)
    bar_width = max(slot * 0.8 / len(series), 0.5)
    bars = []
    for index, (row, group) in enumerate(zip(rows, values, strict=True)):
        for number, ((name, _attr), value) in enumerate(zip(series, group, strict=True)):
            height = plot_height * value / top
            bars.append(
                Bar(
                    x=round(LEFT + index * slot + slot * 0.1 + number * bar_width, 2),
                    y=round(TOP + plot_height - height, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    series=number,
                    title=f"{row.name}: {name} {value:g}",
                )
            )
    ticks = [{"y": round(TOP + plot_height * (1 - f), 2), "label": f"{top * f:g}"} for f in (0, 0.5, 1)]
    step = max(1, len(rows) // 8)  # at most about eight labels under the axis
    labels = [
        {"x": round(LEFT + i * slot + slot / 2, 2), "text": row.name[5:] if len(row.key) == 10 else row.name[:12]}
        for i, row in enumerate(rows)
        if i % step == 0
    ]
    totals = ", ".join(f"{name}: {sum(group[n] for group in values):g}" for n, (name, _a) in enumerate(series))
    return {
        "title": title,
        "summary": _("%(rows)s groups; %(totals)s.") % {"rows": len(rows), "totals": totals} if scale == 1 else "",
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "base": TOP + plot_height,
        "label_y": HEIGHT - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "series": [name for name, _attr in series],
    }


def _charts(report: Report) -> list[dict]:
    return [
        bar_chart(
            title=_("Conversations opened and closed"),
            rows=report.rows,
            series=[(_("Opened"), "opened"), (_("Closed"), "closed")],
        ),
        bar_chart(
            title=_("Median times, in minutes"),
            rows=report.rows,
            series=[(_("First response"), "first_response_median"), (_("Resolution"), "resolution_median")],
            scale=60,
        ),
    ]


def _report_or_form(request):
    """(form, report or None): 403 for an agent who sees no account's reports, 404 for an account not theirs."""
    accounts = list(report_accounts(agent=request.agent))
    if not accounts:
        raise PermissionDenied("No report role")
    form = _query(request, accounts)
    if not form.is_valid():
        return form, None, accounts
    account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
    report = conversation_report(
        account=account,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        group_by=form.cleaned_data["group_by"],
    )
    return form, report, accounts


@require_GET
@agent_required
def reports(request):
    form, report, accounts = _report_or_form(request)
    context = {"form": form, "report": report, "accounts": accounts}
    if report is not None:
        context.update(
            group_name=GROUP_NAMES[report.group_by],
            columns=_columns(),
            rows=[(row, _cells(row)) for row in report.rows],
            total=_cells(report.total),
            charts=_charts(report),
            csv_query=request.GET.urlencode(),
            cards=[
                (_("Opened"), str(report.total.opened)),
                (_("Closed"), str(report.total.closed)),
                (_("First response, median"), duration(report.total.first_response_median)),
                (_("Resolution, median"), duration(report.total.resolution_median)),
                (_("Satisfied (4–5)"), _number(report.total.csat_satisfied_percent, " %")),
            ],
        )
    return render(request, "agents/reports.html", context, status=200 if report is not None else 400)


@require_GET
@agent_required
def reports_csv(request):
    """The same figures as the page, one row a group and the total last; times in seconds."""
    form, report, _accounts = _report_or_form(request)
    if report is None:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    filename = f"conversations-{report.start}-{report.end}-by-{report.group_by}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            report.group_by,
            "id",
            "opened",
            "closed",
            "first_response_median_seconds",
            "first_response_average_seconds",
            "resolution_median_seconds",
            "resolution_average_seconds",
            "csat_answered",
            "csat_average",
            "csat_satisfied_percent",
        ]
    )
    for row in [*report.rows, report.total]:
        writer.writerow(
            [
                _safe(str(row.name)),
                row.key,
                row.opened,
                row.closed,
                *("" if v is None else v for v in _times(row)),
                row.csat_answered,
                "" if row.csat_average is None else row.csat_average,
                "" if row.csat_satisfied_percent is None else row.csat_satisfied_percent,
            ]
        )
    return response


def _times(row: ReportRow) -> list[float | None]:
    return [row.first_response_median, row.first_response_average, row.resolution_median, row.resolution_average]


def _safe(text: str) -> str:
    """A name as a spreadsheet shows it, never as a formula (CSV injection): a leading = + - @ gets a quote."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
