"""Reports on the integration API (#20): the desk's report figures of the key's account, from the same selector."""

from __future__ import annotations

import re
from datetime import date

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import query_validated
from conversations.integration_api.openapi import errors_of, example_of, ok_response, query_param
from conversations.reports import GROUPINGS, MAX_DAYS, conversation_report, report_range_problem
from messenger_project.integration_api.errors import FieldError, validation_failed
from messenger_project.integration_api.serializers import StrictSerializer, field_error

TAG_REPORTS = "Integration API: reports"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # what a report may cover at all


class QueryDateField(serializers.Field):
    """A day as YYYY-MM-DD (`invalid_date` otherwise), from 2000 to 2999 (`out_of_range`)."""

    def to_internal_value(self, data):
        try:
            day = date.fromisoformat(str(data)) if _DATE.match(str(data)) else None
        except ValueError:  # well formed, but no such day (month 13)
            day = None
        if day is None:
            raise serializers.ValidationError(field_error("is not a date (YYYY-MM-DD)", "invalid_date"))
        if not FIRST_DAY <= day <= LAST_DAY:
            raise serializers.ValidationError(field_error("is not an allowed value", "out_of_range"))
        return day

    def to_representation(self, value):
        return value


class ReportQuery(StrictSerializer):
    start = QueryDateField(help_text="The first day, in the account's time zone.")
    end = QueryDateField(help_text="The last day (included); at most 366 days after the start, counting both.")
    groupBy = serializers.ChoiceField(choices=list(GROUPINGS), default="day")


class ReportRowSerializer(serializers.Serializer):
    """The figures of a group, or of the whole range (`total`). Times in seconds; null where there is none."""

    key = serializers.CharField(
        help_text="The day (YYYY-MM-DD), or the agent's, team's or label's id; empty for the sessions of no agent, "
        "team or label (and for the total)."
    )
    name = serializers.CharField(help_text="The day, the agent's display name, the team's or the label's name.")
    opened = serializers.IntegerField(help_text="Sessions opened in the range (imported history left out).")
    closed = serializers.IntegerField(help_text="Sessions closed in the range.")
    firstResponseMedianSeconds = serializers.FloatField(
        source="first_response_median",
        allow_null=True,
        help_text="From the session's opening to the first answer of a person (not a bot, not a note), for the "
        "sessions opened in the range.",
    )
    firstResponseAverageSeconds = serializers.FloatField(source="first_response_average", allow_null=True)
    resolutionMedianSeconds = serializers.FloatField(
        source="resolution_median",
        allow_null=True,
        help_text="From the session's opening to its close, for the sessions closed in the range.",
    )
    resolutionAverageSeconds = serializers.FloatField(source="resolution_average", allow_null=True)
    csatAnswered = serializers.IntegerField(source="csat_answered", help_text="Ratings answered in the range.")
    csatAverage = serializers.FloatField(source="csat_average", allow_null=True, help_text="1–5.")
    csatSatisfiedPercent = serializers.FloatField(
        source="csat_satisfied_percent", allow_null=True, help_text="The share of ratings of 4 and 5, in per cent."
    )


class ReportSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    timeZone = serializers.CharField(source="account.time_zone", help_text="The account's: its days are the report's.")
    groupBy = serializers.ChoiceField(source="group_by", choices=list(GROUPINGS))
    rows = ReportRowSerializer(
        many=True,
        help_text="By day: every day of the range, in order. Otherwise the groups by name, then the one of no agent, "
        "team or label if any. A session counts under each label of its conversation.",
    )
    total = ReportRowSerializer(help_text="The whole range; each session once.")


_ROW = {
    "opened": 2,
    "closed": 1,
    "firstResponseMedianSeconds": 210.0,
    "firstResponseAverageSeconds": 210.0,
    "resolutionMedianSeconds": 7200.0,
    "resolutionAverageSeconds": 7200.0,
    "csatAnswered": 1,
    "csatAverage": 2.0,
    "csatSatisfiedPercent": 0.0,
}
REPORT = {
    "start": "2026-01-01",
    "end": "2026-01-02",
    "timeZone": "Europe/Amsterdam",
    "groupBy": "day",
    "rows": [
        {
            "key": "2026-01-01",
            "name": "2026-01-01",
            **_ROW,
            "opened": 0,
            "closed": 0,
            "firstResponseMedianSeconds": None,
            "firstResponseAverageSeconds": None,
            "resolutionMedianSeconds": None,
            "resolutionAverageSeconds": None,
            "csatAnswered": 0,
            "csatAverage": None,
            "csatSatisfiedPercent": None,
        },
        {"key": "2026-01-02", "name": "2026-01-02", **_ROW},
    ],
    "total": {"key": "", "name": "Total", **_ROW},
}


@extend_schema_view(
    get=extend_schema(
        operation_id="getConversationReport",
        summary="Conversation report",
        description="Sessions opened and closed, first response and resolution times (median and average), and "
        "satisfaction ratings of the key's account, over its days `start` to `end` (its time zone), by day, "
        "agent, team or label: the figures of the desk's reports page. By agent or team a session counts for "
        "whom it counted for when it closed (while open: the conversation's assignee and team); a first "
        f"response for the agent who answered first. At most {MAX_DAYS} days; `end` before `start` is "
        "`end_before_start`, a longer range `range_too_long` (both on `query.end`).",
        tags=[TAG_REPORTS],
        parameters=[
            query_param("start", {"type": "string", "format": "date"}, "The first day (YYYY-MM-DD).", required=True),
            query_param("end", {"type": "string", "format": "date"}, "The last day, included.", required=True),
            query_param("groupBy", enum=list(GROUPINGS), default="day"),
        ],
        responses={
            200: ok_response(ReportSerializer, "The figures.", example_of("By day", REPORT)),
            **errors_of(
                "validation_failed",
                overrides={
                    "validation_failed": {
                        "fields": [
                            {
                                "path": "query.end",
                                "code": "end_before_start",
                                "message": "is before the start",
                                "rejectedValue": "2025-12-01",
                            }
                        ]
                    }
                },
            ),
        },
    )
)
class ConversationReportView(IntegrationAPIView):
    """The report of the key's account."""

    def get(self, request):
        query = query_validated(ReportQuery, request)
        start, end = query["start"], query["end"]
        problem = report_range_problem(start, end)
        if problem:
            message = "is before the start" if problem == "end_before_start" else f"is over {MAX_DAYS} days on"
            raise validation_failed([FieldError("query.end", problem, message, request.query_params["end"])])
        report = conversation_report(account=self.account, start=start, end=end, group_by=query["groupBy"])
        return Response(ReportSerializer(report).data)
