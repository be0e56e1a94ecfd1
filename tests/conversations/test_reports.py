"""The reports' figures (conversations/reports.py) on the hand-made data set of tests/report_data.py."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Thread
from conversations.reports import conversation_report, report_accounts, report_range_problem
from tests.factories import make_account, make_agent
from tests.report_data import _conversation, _session, at, report_data

pytestmark = pytest.mark.django_db

JAN_1, JAN_3 = date(2026, 1, 1), date(2026, 1, 3)


def figures(row) -> tuple:
    """(opened, closed, FR median, FR average, resolution median, average, CSAT answered, average, % satisfied)"""
    return astuple(row)[2:11]


def test_totals():
    data = report_data()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by="day")

    assert figures(report.total) == (3, 3, 120.0, 160.0, 7200.0, 6600.0, 3, 3.7, 66.7)


def test_by_day_in_the_accounts_time_zone():
    data = report_data()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by="day")

    assert [(row.key, figures(row)) for row in report.rows] == [
        # t1 opened; t1 and t4 (01:30 there) closed; t1 rated
        ("2026-01-01", (1, 2, 60.0, 60.0, 6300.0, 6300.0, 1, 5.0, 100.0)),
        # t2 (00:30 there) and t3 opened; t2 closed and rated
        ("2026-01-02", (2, 1, 210.0, 210.0, 7200.0, 7200.0, 1, 2.0, 0.0)),
        # t4 rated; nothing else: the day is listed all the same
        ("2026-01-03", (0, 0, None, None, None, None, 1, 4.0, 100.0)),
    ]


def test_a_utc_account_sees_other_days():
    data = report_data()
    data.account.time_zone = "UTC"
    data.account.save()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_1, group_by="day")

    # In UTC t2 opened on 1 January too (23:30); t1 and t4 closed on it, t2 on the 2nd.
    assert (report.rows[0].opened, report.rows[0].closed) == (2, 2)


def test_by_agent():
    data = report_data()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by="agent")

    assert [(row.name, figures(row)) for row in report.rows] == [
        # opened t1 and t3 (the conversation's assignee while open); answered first t1; closed t1 and t4
        (data.a.display_name, (2, 2, 60.0, 60.0, 6300.0, 6300.0, 1, 5.0, 100.0)),
        # opened t2; answered first t2 and t3; closed t2
        (data.b.display_name, (1, 1, 210.0, 210.0, 7200.0, 7200.0, 1, 2.0, 0.0)),
        ("No agent", (0, 0, None, None, None, None, 1, 4.0, 100.0)),
    ]
    assert [row.key for row in report.rows] == [str(data.a.pk), str(data.b.pk), ""]


def test_by_team():
    data = report_data()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by="team")

    assert [(row.name, figures(row)) for row in report.rows] == [
        ("Tier one", (2, 2, 90.0, 90.0, 6300.0, 6300.0, 1, 5.0, 100.0)),
        ("No team", (1, 1, 300.0, 300.0, 7200.0, 7200.0, 2, 3.0, 50.0)),
    ]


def test_by_label_counts_a_session_under_each_of_its_labels():
    data = report_data()

    report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by="label")

    assert [(row.name, figures(row)) for row in report.rows] == [
        ("billing", (2, 2, 180.0, 180.0, 5400.0, 5400.0, 2, 3.5, 50.0)),
        ("vip", (1, 1, 60.0, 60.0, 3600.0, 3600.0, 1, 5.0, 100.0)),
        ("No label", (1, 1, 120.0, 120.0, 9000.0, 9000.0, 1, 4.0, 100.0)),
    ]
    assert report.total.opened == 3  # not 4: the totals count each session once


def test_median_differs_from_average():
    account = make_account()
    conversation = _conversation(account)
    for minutes in (1, 2, 30):  # first responses of 60, 120 and 1,800 s
        _session(
            conversation,
            created_at=at(3, 8),
            first_response_at=at(3, 8) + timedelta(minutes=minutes),
            closed_at=at(3, 9),
        )

    report = conversation_report(account=account, start=JAN_3, end=JAN_3, group_by="day")

    assert (report.total.first_response_median, report.total.first_response_average) == (120.0, 660.0)


def test_an_empty_range():
    account = make_account()

    report = conversation_report(account=account, start=JAN_1, end=JAN_1, group_by="agent")

    assert report.rows == []
    assert figures(report.total) == (0, 0, None, None, None, None, 0, None, None)


def test_range_problems():
    assert report_range_problem(JAN_3, JAN_1) == "end_before_start"
    assert report_range_problem(JAN_1, JAN_1 + timedelta(days=365)) is None  # 366 days
    assert report_range_problem(JAN_1, JAN_1 + timedelta(days=366)) == "range_too_long"


def test_report_accounts_are_those_of_a_report_role():
    account, other = make_account(), make_account()
    manager = make_agent(account=account, role="manager")
    admin = make_agent(account=other, role="admin")
    agent = make_agent(account=account)

    assert list(report_accounts(agent=manager)) == [account]
    assert list(report_accounts(agent=admin)) == [other]
    assert list(report_accounts(agent=agent)) == []


@pytest.mark.parametrize("group_by", ["day", "agent", "team", "label"])
def test_query_count_is_flat_in_the_number_of_sessions(group_by):
    data = report_data()
    conversation = data.account.conversations.first()

    with CaptureQueriesContext(connection) as few:
        conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by=group_by)
    for hour in range(20):
        _session(conversation, created_at=at(3, hour), first_response_at=at(3, hour, 5), closed_at=at(3, hour, 30))
    with CaptureQueriesContext(connection) as many:
        report = conversation_report(account=data.account, start=JAN_1, end=JAN_3, group_by=group_by)

    assert report.total.opened == 23
    assert len(many) == len(few) <= (8 if connection.vendor == "postgresql" else 12)
    assert Thread.objects.filter(conversation__account=data.account, imported=False).count() == 25
