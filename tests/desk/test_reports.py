"""The desk's reports page and its CSV (#20): who sees them, the figures, a flat query count."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from agents.models import Membership
from tests.desk.helpers import url
from tests.factories import make_account, make_agent
from tests.report_data import _conversation, _session, at, report_data

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-01-01", "end": "2026-01-03"}


@pytest.fixture
def data():
    return report_data()


def signed_in(client: Client, agent) -> Client:
    client.force_login(agent.user)
    return client


@pytest.fixture
def manager(data):
    return make_agent(account=data.account, role="manager")


def test_a_manager_sees_the_figures_and_the_chart(client, data, manager):
    response = signed_in(client, manager).get(url("reports"), RANGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg viewBox="0 0 720 220" role="img"' in page
    assert "Conversations opened and closed" in page
    # Totals: 3 opened, 3 closed, first response median 2 min, resolution median 2 h, 66.7 % satisfied
    assert "<strong>3</strong>" in page and "<strong>2 min</strong>" in page and "<strong>2 h 00 min</strong>" in page
    assert "<strong>66.7 %</strong>" in page
    assert '<th scope="row">2026-01-02</th><td>2</td><td>1</td>' in page
    assert 'class="reports-link"' in page


def test_by_label(client, data, manager):
    response = signed_in(client, manager).get(url("reports"), {**RANGE, "group_by": "label"})

    page = response.content.decode()
    assert '<th scope="row">billing</th><td>2</td><td>2</td><td>3 min</td>' in page
    assert '<th scope="row">No label</th>' in page


def test_the_default_range_is_the_last_30_days(client, data, manager, time_machine):
    time_machine.move_to(at(15, 12))

    response = signed_in(client, manager).get(url("reports"))

    assert response.context["report"].start.isoformat() == "2025-12-17"
    assert response.context["report"].end.isoformat() == "2026-01-15"
    assert response.context["report"].total.opened == 5  # t4 and a December session are in it too


def test_an_admin_of_the_account_sees_it_too(client, data):
    admin = make_agent(account=data.account, role="admin")

    assert signed_in(client, admin).get(url("reports"), RANGE).status_code == 200


def test_an_agent_without_a_report_role_is_refused_and_has_no_link(client, data):
    response = signed_in(client, data.a).get(url("reports"), RANGE)

    assert response.status_code == 403
    assert signed_in(client, data.a).get(url("reports-csv"), RANGE).status_code == 403
    assert 'class="reports-link"' not in client.get(url("canned")).content.decode()


def test_another_tenants_account_is_a_404(client, data):
    other = make_account()
    manager_elsewhere = make_agent(account=other, role="manager")

    response = signed_in(client, manager_elsewhere).get(url("reports"), {**RANGE, "account": data.account.pk})

    assert response.status_code == 404
    assert client.get(url("reports-csv"), {**RANGE, "account": data.account.pk}).status_code == 404


def test_an_account_where_the_manager_is_only_an_agent_is_a_404(client, data, manager):
    other = make_account()
    Membership.objects.create(agent=manager, account=other, role="agent")

    response = signed_in(client, manager).get(url("reports"), {**RANGE, "account": other.pk})

    assert response.status_code == 404


def test_a_superuser_sees_every_account(client, data):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)

    response = client.get(url("reports"), {**RANGE, "account": data.account.pk})

    assert response.status_code == 200
    assert response.context["report"].total.opened == 3


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-01-05", "end": "2026-01-01"}, "The end is before the start."),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "A report covers at most 366 days."),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date."),
        ({**RANGE, "group_by": "customer"}, "Select a valid choice."),
    ],
)
def test_bad_parameters_are_a_400_with_the_form(client, data, manager, query, message):
    response = signed_in(client, manager).get(url("reports"), query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert signed_in(client, manager).get(url("reports-csv"), query).status_code == 400


def test_the_csv_holds_the_same_figures(client, data, manager):
    response = signed_in(client, manager).get(url("reports-csv"), {**RANGE, "group_by": "agent"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="conversations-2026-01-01-2026-01-03-by-agent.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "agent",
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
        ],
        [data.a.display_name, str(data.a.pk), "2", "2", "60.0", "60.0", "6300.0", "6300.0", "1", "5.0", "100.0"],
        [data.b.display_name, str(data.b.pk), "1", "1", "210.0", "210.0", "7200.0", "7200.0", "1", "2.0", "0.0"],
        ["No agent", "", "0", "0", "", "", "", "", "1", "4.0", "100.0"],
        ["Total", "", "3", "3", "120.0", "160.0", "7200.0", "6600.0", "3", "3.7", "66.7"],
    ]


def test_a_label_named_like_a_formula_is_quoted_in_the_csv(client, data, manager):
    from conversations.services import labels_set

    labels_set(conversation=data.account.conversations.order_by("pk").first(), names=["=cmd"])

    response = signed_in(client, manager).get(url("reports-csv"), {**RANGE, "group_by": "label"})

    assert "'=cmd" in response.content.decode()


@pytest.mark.parametrize("group_by", ["day", "agent", "team", "label"])
def test_the_page_query_count_is_flat_in_the_number_of_sessions(client, data, manager, group_by):
    signed_in(client, manager)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url("reports"), {**RANGE, "group_by": group_by}).status_code == 200
    conversation = _conversation(data.account, assignee=data.b)
    for hour in range(20):
        _session(conversation, created_at=at(3, hour), first_response_at=at(3, hour, 5), closed_at=at(3, hour, 30))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("reports"), {**RANGE, "group_by": group_by})

    assert response.context["report"].total.opened == 23
    assert len(many) == len(few)
    budget = 13 if connection.vendor == "postgresql" else 17  # session, user, agent, accounts; the report's
    assert len(many) <= budget, [q["sql"][:120] for q in many.captured_queries]
