"""Fixtures of the client API tests: a clean cache and media root per test, an account with the spec's
test-vector secrets, an agent, and a registered web install. Helpers are in tests/clientapi/helpers.py."""

from __future__ import annotations

import pytest

from agents.models import Account, Agent
from agents.services import account_create, agent_create
from tests.clientapi.helpers import (
    ACCOUNT_IDENTIFICATION,
    AUTHORIZATION_SECRET,
    SHARED_SECRET,
    App,
    register,
)


@pytest.fixture
def account() -> Account:
    return account_create(
        name="Shop",
        identification=ACCOUNT_IDENTIFICATION,
        app_id="app_clientapi",
        authorization_secret=AUTHORIZATION_SECRET,
        shared_secret=SHARED_SECRET,
        welcome_message="Welcome! We usually answer within a minute.",
        sticky_message="Closed on Sundays.",
    )


@pytest.fixture
def other_account() -> Account:
    return account_create(name="Other shop", identification="ffffeeeeddddccccbbbb", app_id="app_other")


@pytest.fixture
def agent(account: Account) -> Agent:
    return agent_create(username="sanne", display_name="Sanne", accounts={account: "agent"})


@pytest.fixture
def web(client, account: Account) -> App:
    """An anonymous web SDK install, registered."""
    return register(client, "web-device-0001")


@pytest.fixture
def stranger(client, account: Account) -> App:
    """Another anonymous customer of the same account, with a message of their own."""
    other = register(client, "stranger-device-01")
    other.send("my secret order number is 991")
    return other
