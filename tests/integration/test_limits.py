"""Rate limits and body limits (spec §6). Checklist row 70, and the general 1 MiB body limit."""

from __future__ import annotations

import pytest

from devices.models import Customer
from tests.integration.helpers import MIB, assert_error, db_counts

pytestmark = pytest.mark.django_db


def new_user(n: int) -> dict:
    return {"firstName": "User", "lastName": str(n), "email": f"user{n}@example.com"}


def test_row_70_writes_over_the_minute_budget_are_rate_limited(api, settings):
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 4
    allowed = [api.post("/api/external/users", new_user(n)) for n in range(2)]
    before = db_counts()

    refused = api.post("/api/external/users", new_user(3))

    assert [r.status_code for r in allowed] == [201, 201]
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    assert refused["X-RateLimit-Limit-Minute"] == "4"
    assert db_counts() == before
    assert Customer.objects.filter(email="user3@example.com").exists() is False


def test_row_70_reads_weigh_one_and_writes_two(api, settings):
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 3
    write = api.post("/api/external/users", new_user(1))
    read = api.get("/api/v2/conversations")

    refused_read = api.get("/api/v2/conversations")

    assert (write.status_code, write["X-RateLimit-Remaining-Minute"]) == (201, "1")
    assert (read.status_code, read["X-RateLimit-Remaining-Minute"]) == (200, "0")
    assert_error(refused_read, 429, "rate_limited")


def test_row_70_the_budget_is_per_account(api, other_api, settings):
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 2
    api.post("/api/external/users", new_user(1))

    other = other_api.post("/api/external/users", new_user(2))

    assert other.status_code == 201, other.content


def test_every_response_carries_the_rate_limit_headers(api):
    response = api.get("/api/v2/conversations")

    assert (response["X-RateLimit-Limit-Minute"], response["X-RateLimit-Remaining-Minute"]) == ("600", "599")


def test_body_over_1_mib_on_a_general_route_is_413(api):
    before = db_counts()

    response = api.post("/api/external/users", {**new_user(1), "context": "x" * MIB})

    assert_error(response, 413, "payload_too_large")
    assert db_counts() == before


def test_typing_events_weigh_one(bot_api, make_conversation):
    make_conversation("c1")
    remaining = int(bot_api.get("/api/v2/conversations")["X-RateLimit-Remaining-Minute"])

    response = bot_api.post("/api/v2/conversations/c1/typing", {"state": "start"})

    assert response.status_code == 204
    assert response["X-RateLimit-Remaining-Minute"] == str(remaining - 1)
