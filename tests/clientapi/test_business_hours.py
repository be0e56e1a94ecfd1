"""Business hours on the customer's side (#20): outside them `GET config` and every `GET messages…` serve the
account's offline message as `stickyMessage`, and `GET config` says `online` and `opensAt`. The schedule is cached
(`agents.business_hours_cache`), forgotten when hours, holidays or the account change; the cache down, it is read
from the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agents.business_hours_cache import DEFAULT_OFFLINE_MESSAGES
from agents.models import Holiday, OpeningHours
from tests.clientapi.helpers import register
from tests.clientapi.test_cache_outage import redis_down  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

# 2026-12-07 is a Monday; Amsterdam is UTC+1 in December.
MONDAY_0630 = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC)  # 07:30 in Amsterdam: closed
MONDAY_1000 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)  # 11:00: open
MONDAY_2330 = dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC)  # Tuesday 00:30 in Amsterdam
OFFLINE = "We're closed. We answer on weekdays from 9 to 17."


@pytest.fixture
def hours(account):
    """Amsterdam, Monday to Friday 09:00–17:00, with an offline message."""
    account.time_zone = "Europe/Amsterdam"
    account.business_hours_enabled = True
    account.offline_message = OFFLINE
    account.save()
    for weekday in range(5):
        OpeningHours.objects.create(account=account, weekday=weekday, opens=dt.time(9), closes=dt.time(17))
    return account


@pytest.fixture
def web(client, account):
    return register(client, "web-device-0001")


def config(web) -> dict:
    response = web.get("config")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def business(data: dict) -> tuple:
    return data["online"], data["opensAt"], data["stickyMessage"]


def test_without_business_hours_the_chat_is_always_online(web, account, time_machine):
    time_machine.move_to(MONDAY_0630, tick=False)
    account.offline_message = OFFLINE
    account.save()

    assert business(config(web)) == (True, None, "Closed on Sundays.")
    assert web.get("messages").json()["stickyMessage"] == "Closed on Sundays."


def test_closed_the_config_and_the_messages_serve_the_offline_message(web, hours, time_machine):
    time_machine.move_to(MONDAY_0630, tick=False)

    assert business(config(web)) == (False, "2026-12-07T08:00:00Z", OFFLINE)
    assert web.get("messages").json()["stickyMessage"] == OFFLINE


def test_open_the_account_sticky_text_is_served(web, hours, time_machine):
    time_machine.move_to(MONDAY_1000, tick=False)

    assert business(config(web)) == (True, None, "Closed on Sundays.")
    assert web.get("messages").json()["stickyMessage"] == "Closed on Sundays."


def test_closed_without_an_offline_message_a_default_in_the_chat_language(web, hours, time_machine):
    time_machine.move_to(MONDAY_0630, tick=False)
    hours.offline_message = "  "
    hours.chat_language = "nl"
    hours.save()

    assert config(web)["stickyMessage"] == DEFAULT_OFFLINE_MESSAGES["nl"]


def test_a_holiday_is_closed_all_day_and_the_next_opening_skips_it(web, hours, time_machine):
    Holiday.objects.create(account=hours, date=dt.date(2026, 12, 7), name="Staff day")
    time_machine.move_to(MONDAY_1000, tick=False)

    assert business(config(web)) == (False, "2026-12-08T08:00:00Z", OFFLINE)


def test_the_time_zone_edge_late_monday_in_utc_is_tuesday_in_amsterdam(web, hours, time_machine):
    # Monday runs to midnight, Tuesday opens at 00:00–01:00 in Amsterdam: at 23:30 UTC on Monday it is Tuesday 00:30
    # there, open; in UTC it would be Monday after hours.
    OpeningHours.objects.filter(account=hours, weekday=0).update(closes=dt.time(0))
    OpeningHours.objects.create(account=hours, weekday=1, opens=dt.time(0), closes=dt.time(1))
    time_machine.move_to(MONDAY_2330, tick=False)
    assert business(config(web)) == (True, None, "Closed on Sundays.")

    time_machine.move_to(MONDAY_2330 + dt.timedelta(hours=1), tick=False)  # Tuesday 01:30 there
    assert business(config(web)) == (False, "2026-12-08T08:00:00Z", OFFLINE)


def test_a_schedule_that_never_opens_has_no_next_opening(web, hours, time_machine):
    OpeningHours.objects.filter(account=hours).delete()
    time_machine.move_to(MONDAY_1000, tick=False)

    assert business(config(web)) == (False, None, OFFLINE)


def test_the_cached_schedule_is_forgotten_when_hours_holidays_or_the_account_change(web, hours, time_machine):
    time_machine.move_to(MONDAY_1000, tick=False)
    assert config(web)["online"] is True  # the schedule is cached now

    holiday = Holiday.objects.create(account=hours, date=dt.date(2026, 12, 7))
    assert config(web)["online"] is False
    holiday.delete()
    assert config(web)["online"] is True

    monday = OpeningHours.objects.get(account=hours, weekday=0)
    monday.opens = dt.time(12)
    monday.save()
    assert business(config(web)) == (False, "2026-12-07T11:00:00Z", OFFLINE)
    monday.delete()
    assert business(config(web)) == (False, "2026-12-08T08:00:00Z", OFFLINE)

    hours.business_hours_enabled = False
    hours.save()
    assert config(web)["online"] is True


def test_the_poll_answered_from_the_cache_follows_the_hours_too(web, hours, agent, time_machine):
    time_machine.move_to(MONDAY_0630, tick=False)
    last = web.send("hello")
    assert web.get(f"messages/after:{last}").json()["stickyMessage"] == OFFLINE

    time_machine.move_to(MONDAY_1000, tick=False)
    assert web.get(f"messages/after:{last}").json()["stickyMessage"] == "Closed on Sundays."


def test_get_config_reads_no_schedule_once_it_is_cached(web, hours, time_machine, django_assert_max_num_queries):
    time_machine.move_to(MONDAY_0630, tick=False)
    config(web)  # fills the caches

    with django_assert_max_num_queries(2), CaptureQueriesContext(connection) as queries:
        assert config(web)["online"] is False

    assert len(queries) > 0
    assert not [q for q in queries if "openinghours" in q["sql"] or "holiday" in q["sql"]]


def test_get_config_costs_no_more_queries_with_business_hours_than_without(web, account, time_machine):
    time_machine.move_to(MONDAY_0630, tick=False)
    config(web)
    with CaptureQueriesContext(connection) as without:
        config(web)
    account.business_hours_enabled = True
    account.save()
    config(web)

    with CaptureQueriesContext(connection) as with_hours:
        config(web)

    assert len(with_hours) == len(without)


def test_the_cache_down_the_schedule_is_read_from_the_database(client, hours, redis_down, time_machine):  # noqa: F811
    web = register(client, "web-device-0001")
    time_machine.move_to(MONDAY_0630, tick=False)

    with CaptureQueriesContext(connection) as queries:
        assert business(config(web)) == (False, "2026-12-07T08:00:00Z", OFFLINE)
    assert [q for q in queries if "openinghours" in q["sql"]]  # (read before the next request resets the log)

    assert web.get("messages").json()["stickyMessage"] == OFFLINE
    time_machine.move_to(MONDAY_1000, tick=False)
    assert config(web)["online"] is True
