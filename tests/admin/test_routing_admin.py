"""The Account page's routing, business-hours and satisfaction parts (#20): fieldsets, the opening-hours and
holiday inlines, a membership's role and capacity on the agent's page, and teams, edited by a staff admin of the
account; another tenant's rows out of reach; bad input shown on the form, never a 500, nothing saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from agents.models import Account, Holiday, Membership, OpeningHours, Team
from tests.admin.test_tenant_scoping import _form_data, _staff
from tests.factories import make_account, make_agent

pytestmark = pytest.mark.django_db

ZONE = "Europe/Amsterdam"


@pytest.fixture
def shop() -> Account:
    return make_account(name="Shop")


@pytest.fixture
def other() -> Account:
    account = make_account(name="Other shop")
    OpeningHours.objects.create(account=account, weekday=0, opens=dt.time(8), closes=dt.time(12))
    Holiday.objects.create(account=account, date=dt.date(2026, 12, 25), name="Other's Christmas")
    return account


@pytest.fixture
def boss(client: Client, shop: Account, other: Account):
    """A staff admin of Shop only (with every model permission)."""
    user = _staff("boss", accounts=[shop])
    client.force_login(user)
    return user


def page(account: Account) -> str:
    return f"/admin/agents/account/{account.pk}/change/"


def form(client: Client, account: Account, **changes) -> dict[str, list[str] | str]:
    """The change form as the browser would send it, with `changes` (the inlines' names with `__` for `-`)."""
    data: dict = _form_data(client.get(page(account)))
    data.update({name.replace("__", "-"): value for name, value in changes.items()})
    return data


def hours_rows(*rows: tuple[int, str, str]) -> dict[str, str]:
    data = {"opening_hours-TOTAL_FORMS": str(len(rows)), "opening_hours-INITIAL_FORMS": "0"}
    for n, (weekday, opens, closes) in enumerate(rows):
        data |= {f"opening_hours-{n}-weekday": str(weekday), f"opening_hours-{n}-opens": opens}
        data |= {f"opening_hours-{n}-closes": closes}
    return data


def test_the_account_page_has_the_routing_hours_and_satisfaction_sections(client, boss, shop):
    html = client.get(page(shop)).content.decode()

    headings = [" ".join(h.split()) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]
    # The business hours last of the fieldsets, right above their inlines.
    assert headings[-6:] == ["Routing", "Satisfaction", "Business hours", "Opening hours", "Holidays", "Push settings"]
    for name in ("auto_assignment", "assignment_capacity", "bot_first", "time_zone", "business_hours_enabled"):
        assert f'name="{name}"' in html
    for name in ("offline_message", "csat_enabled", "csat_question"):
        assert f'name="{name}"' in html
    assert "Other&#x27;s Christmas" not in html and "Other's Christmas" not in html


def test_an_admin_sets_the_hours_holidays_routing_and_satisfaction(client, boss, shop):
    data = form(
        client,
        shop,
        time_zone=ZONE,
        business_hours_enabled="on",
        offline_message="Back on Monday.",
        auto_assignment="balanced",
        assignment_capacity="3",
        csat_enabled="on",
        csat_question="Happy?",
        **hours_rows((0, "09:00", "17:00"), (5, "10:00", "00:00")),
        holidays__TOTAL_FORMS="1",
        holidays__0__date="2026-12-25",
        holidays__0__name="Christmas",
    )

    response = client.post(page(shop), data)

    assert response.status_code == 302, _errors(response)
    shop.refresh_from_db()
    assert (shop.time_zone, shop.business_hours_enabled, shop.offline_message) == (ZONE, True, "Back on Monday.")
    assert (shop.auto_assignment, shop.assignment_capacity) == ("balanced", 3)
    assert (shop.csat_enabled, shop.csat_question) == (True, "Happy?")
    assert sorted(OpeningHours.objects.filter(account=shop).values_list("weekday", "opens", "closes")) == [
        (0, dt.time(9), dt.time(17)),
        (5, dt.time(10), dt.time(0)),
    ]
    assert list(Holiday.objects.filter(account=shop).values_list("date", "name")) == [
        (dt.date(2026, 12, 25), "Christmas")
    ]


def test_hours_changed_in_the_admin_reach_the_chat_at_once(client, boss, shop, time_machine):
    """The client API's cached schedule is forgotten when the admin saves the inline."""
    from tests.clientapi.helpers import App

    time_machine.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC), tick=False)  # a Monday, 11:00 there
    client.post(page(shop), form(client, shop, time_zone=ZONE, business_hours_enabled="on"))
    chat = App(Client(), "web-device-0001", identification=shop.identification)
    assert chat.register().status_code == 200
    assert chat.get("config").json()["data"]["online"] is False  # no hours at all: closed, now cached

    response = client.post(page(shop), form(client, shop, **hours_rows((0, "09:00", "17:00"))))

    assert response.status_code == 302, _errors(response)
    assert chat.get("config").json()["data"]["online"] is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (hours_rows((0, "17:00", "09:00")), "closes", "Closes after it opens"),
        (hours_rows((0, "09:00", "25:00")), "closes", "Enter a valid time"),
        (hours_rows((9, "09:00", "17:00")), "weekday", "Select a valid choice"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Select a valid choice"),
        ({"assignment_capacity": "0"}, "assignment_capacity", "greater than or equal to 1"),
        (
            {
                "holidays-TOTAL_FORMS": "2",
                "holidays-0-date": "2026-12-25",
                "holidays-1-date": "2026-12-25",
            },
            "date",
            "duplicate",
        ),
        ({"holidays-TOTAL_FORMS": "1", "holidays-0-date": "25/25/2026"}, "date", "Enter a valid date"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_saves_nothing(client, boss, shop, changes, field, message):
    before = (Account.objects.filter(pk=shop.pk).values().get(), OpeningHours.objects.count(), Holiday.objects.count())
    data = form(client, shop, offline_message="Changed", **{k.replace("-", "__"): v for k, v in changes.items()})

    response = client.post(page(shop), data)

    assert response.status_code == 200
    assert message.lower() in _errors(response).lower()
    after = (Account.objects.filter(pk=shop.pk).values().get(), OpeningHours.objects.count(), Holiday.objects.count())
    assert after == before


def test_another_tenants_rows_cannot_be_edited_through_the_own_page(client, boss, shop, other):
    theirs = OpeningHours.objects.get(account=other)
    data = form(
        client,
        shop,
        **{
            "opening_hours__TOTAL_FORMS": "1",
            "opening_hours__INITIAL_FORMS": "1",
            "opening_hours__0__id": str(theirs.pk),
            "opening_hours__0__weekday": "3",
            "opening_hours__0__opens": "01:00",
            "opening_hours__0__closes": "02:00",
            "opening_hours__0__DELETE": "on",
        },
    )

    response = client.post(page(shop), data)

    assert response.status_code in (200, 302)
    theirs.refresh_from_db()
    assert (theirs.account_id, theirs.weekday, theirs.opens) == (other.pk, 0, dt.time(8))
    assert not OpeningHours.objects.filter(account=shop).exists()


def test_another_tenants_account_page_is_not_found_and_unchanged(client, boss, other):
    response = client.post(page(other), {"name": "Taken", "business_hours_enabled": "on"})

    assert response.status_code in (302, 404)
    other.refresh_from_db()
    assert (other.name, other.business_hours_enabled) == ("Other shop", False)
    assert client.get(page(other)).status_code in (302, 404)
    assert "Other's Christmas" not in client.get("/admin/agents/account/").content.decode()


def test_the_first_line_bot_is_a_bot_of_this_account(client, boss, shop, other):
    own_bot, theirs = make_agent(account=shop, is_bot=True), make_agent(account=other, is_bot=True)
    person = make_agent(account=shop)

    for refused in (theirs, person):
        response = client.post(page(shop), form(client, shop, bot_first=str(refused.pk)))
        assert response.status_code == 200 and "Select a valid choice" in _errors(response)
    accepted = client.post(page(shop), form(client, shop, bot_first=str(own_bot.pk)))

    assert accepted.status_code == 302, _errors(accepted)
    shop.refresh_from_db()
    assert shop.bot_first == own_bot


def test_a_membership_role_and_capacity_are_edited_on_the_agents_page(client, boss, shop, other):
    agent = make_agent(account=shop)
    Membership.objects.create(agent=agent, account=other, role=Membership.Role.AGENT)
    url = f"/admin/agents/agent/{agent.pk}/change/"
    data = _form_data(client.get(url))
    assert data["memberships-TOTAL_FORMS"] == ["1"]  # only the membership of Shop is shown

    data |= {"memberships-0-role": "manager", "memberships-0-capacity": "2"}
    response = client.post(url, data)

    assert response.status_code == 302, _errors(response)
    mine = Membership.objects.get(agent=agent, account=shop)
    assert (mine.role, mine.capacity) == ("manager", 2)
    assert Membership.objects.get(agent=agent, account=other).role == "agent"

    data |= {"memberships-0-capacity": "0"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and "greater than or equal to 1" in _errors(refused)


def test_teams_are_made_with_the_accounts_agents_only(client, boss, shop, other):
    member, stranger = make_agent(account=shop), make_agent(account=other)
    add = "/admin/agents/team/add/"
    base = {"account": str(shop.pk), "name": "Support", "auto_assignment": "round_robin"}

    refused = client.post(add, {**base, "members": [str(stranger.pk)]})
    made = client.post(add, {**base, "members": [str(member.pk)]})
    foreign = client.post(add, {**base, "account": str(other.pk), "name": "Theirs"})

    assert refused.status_code == 200 and "Select a valid choice" in _errors(refused)
    assert made.status_code == 302, _errors(made)
    assert list(Team.objects.get(account=shop, name="Support").members.all()) == [member]
    assert foreign.status_code == 200 and not Team.objects.filter(name="Theirs").exists()


def _errors(response) -> str:
    """The error texts of an admin form page (its error lists), or the status."""
    if response.status_code != 200:
        return f"status {response.status_code}"
    html = response.content.decode()
    return " ".join(part.split("</ul>")[0] for part in html.split('class="errorlist')[1:]) or "no errors shown"
