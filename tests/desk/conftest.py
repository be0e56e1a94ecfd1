"""Fixtures of the desk's view tests: a clean cache and media root per test, and an agent signed in."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.models import Agent


@pytest.fixture
def desk(client: Client, agent: Agent) -> Client:
    """`agent` (of `account`, from tests/conftest.py) signed in at the desk."""
    client.force_login(agent.user)
    return client
