"""GET /api/v2/reports/conversations (#20): the desk's figures of the key's account, bad input, other tenants."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.services import api_key_create
from tests.integration.helpers import Api, assert_error
from tests.report_data import _conversation, _session, at, report_data

pytestmark = pytest.mark.django_db

PATH = "/api/v2/reports/conversations"
RANGE = {"start": "2026-01-01", "end": "2026-01-03"}


@pytest.fixture
def data(account):
    account.time_zone = "Europe/Amsterdam"
    account.save()
    return report_data(account)


def test_by_day(api: Api, data):
    response = api.get(PATH, RANGE)

    assert response.status_code == 200
    body = response.json()
    assert (body["start"], body["end"], body["timeZone"], body["groupBy"]) == (
        "2026-01-01",
        "2026-01-03",
        "Europe/Amsterdam",
        "day",
    )
    assert body["rows"][1] == {
        "key": "2026-01-02",
        "name": "2026-01-02",
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
    assert [row["key"] for row in body["rows"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert body["total"] == {
        "key": "",
        "name": "Total",
        "opened": 3,
        "closed": 3,
        "firstResponseMedianSeconds": 120.0,
        "firstResponseAverageSeconds": 160.0,
        "resolutionMedianSeconds": 7200.0,
        "resolutionAverageSeconds": 6600.0,
        "csatAnswered": 3,
        "csatAverage": 3.7,
        "csatSatisfiedPercent": 66.7,
    }


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("agent", [("a", 2, 2, 60.0), ("b", 1, 1, 210.0), ("No agent", 0, 0, None)]),
        ("team", [("Tier one", 2, 2, 90.0), ("No team", 1, 1, 300.0)]),
        ("label", [("billing", 2, 2, 180.0), ("vip", 1, 1, 60.0), ("No label", 1, 1, 120.0)]),
    ],
)
def test_groupings_are_the_selectors(api: Api, data, group_by, expected):
    names = {"a": data.a.display_name, "b": data.b.display_name}

    body = api.get(PATH, {**RANGE, "groupBy": group_by}).json()

    rows = [(r["name"], r["opened"], r["closed"], r["firstResponseMedianSeconds"]) for r in body["rows"]]
    assert rows == [(names.get(name, name), *figures) for name, *figures in expected]
    assert body["total"]["opened"] == 3


def test_another_tenants_key_sees_only_its_own_account(other_api: Api, data):
    body = other_api.get(PATH, RANGE).json()

    assert body["total"]["opened"] == 0
    assert body["total"]["csatAnswered"] == 0


def test_the_other_account_of_the_data_set_sees_its_own_session(client, data):
    from agents.models import Account

    other = Account.objects.exclude(pk=data.account.pk).get(name__startswith="Account")
    _, key = api_key_create(account=other, name="theirs")

    body = Api(client=client, account=other, key=key).get(PATH, RANGE).json()

    assert (body["total"]["opened"], body["total"]["csatAnswered"], body["total"]["csatAverage"]) == (1, 1, 1.0)


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, [("query.start", "required"), ("query.end", "required")]),
        ({"start": "2026-01-05", "end": "2026-01-01"}, [("query.end", "end_before_start")]),
        ({"start": "2025-01-01", "end": "2026-01-02"}, [("query.end", "range_too_long")]),
        ({"start": "2026-13-01", "end": "2026-01-01"}, [("query.start", "invalid_date")]),
        ({"start": "1 January", "end": "2026-01-01"}, [("query.start", "invalid_date")]),
        (
            {"start": "9999-12-31", "end": "9999-12-31"},
            [("query.start", "out_of_range"), ("query.end", "out_of_range")],
        ),
        ({**RANGE, "groupBy": "customer"}, [("query.groupBy", "invalid_enum")]),
        ({**RANGE, "team": "3"}, [("query.team", "unknown_field")]),
    ],
)
def test_bad_parameters_are_the_error_body(api: Api, data, query, fields):
    assert_error(api.get(PATH, query), 400, "validation_failed", fields=fields)


def test_without_a_key_it_is_a_401(client, data):
    response = client.get(PATH, RANGE, REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 401


def test_query_count_is_flat_in_the_number_of_sessions(api: Api, data):
    api.get(PATH, RANGE)  # the key's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert api.get(PATH, {**RANGE, "groupBy": "label"}).status_code == 200
    conversation = _conversation(data.account)
    for hour in range(20):
        _session(conversation, created_at=at(3, hour), first_response_at=at(3, hour, 5), closed_at=at(3, hour, 30))
    with CaptureQueriesContext(connection) as many:
        body = api.get(PATH, {**RANGE, "groupBy": "label"}).json()

    assert body["total"]["opened"] == 23
    assert len(many) == len(few) <= (13 if connection.vendor == "postgresql" else 17)
