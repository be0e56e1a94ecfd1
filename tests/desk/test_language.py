"""The desk in the agent's language: Dutch for a browser that asks for it, English otherwise; the APIs stay English
on the same server (their messages are part of the contract)."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.models import Account
from tests.desk.helpers import url
from tests.factories import make_agent, make_conversation, make_customer, post
from tests.report_data import report_data

pytestmark = pytest.mark.django_db


def test_the_desk_speaks_dutch_to_a_dutch_browser_and_english_to_others(desk: Client, account: Account):
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Waar blijft mijn pakket?")

    dutch = desk.get(url("inbox"), headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    english = desk.get(url("inbox"), headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = desk.get(url("conversation", conversation), headers={"Accept-Language": "nl"}).content.decode()

    assert '<html lang="nl">' in dutch.content.decode()
    assert "Niet toegewezen" in dutch.content.decode() and "Unassigned" not in dutch.content.decode()
    assert "Zoek klanten en berichten" in dutch.content.decode()
    assert "Unassigned" in english.content.decode() and "Niet toegewezen" not in english.content.decode()
    assert "Antwoord versturen" in page and "Notitie voor medewerkers" in page
    assert dutch.headers["Vary"].count("Accept-Language") == 1


def test_the_api_stays_english_after_a_dutch_desk_request_on_the_same_thread(desk: Client, account: Account):
    desk.get(url("inbox"), headers={"Accept-Language": "nl"})

    response = desk.get("/api/v2/conversations", headers={"Accept-Language": "nl"})

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "An API key is required."
    assert desk.get(url("inbox")).content.decode().count("Unassigned") >= 1


def test_routing_reports_and_availability_speak_dutch_too(client: Client):
    data = report_data()
    manager = make_agent(account=data.account, role="manager")
    client.force_login(manager.user)

    page = client.get(
        url("reports"), {"start": "2026-01-01", "end": "2026-01-03"}, headers={"Accept-Language": "nl"}
    ).content.decode()

    assert "Gesprekken geopend en gesloten" in page and "Eerste antwoord, mediaan" in page
    assert ">Rapporten</a>" in page and "CSV downloaden" in page
    assert ">Afwezig</option>" in page and ">Away</option>" not in page
    assert "Conversations opened and closed" not in page
