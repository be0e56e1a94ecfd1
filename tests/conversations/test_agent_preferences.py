"""An agent's desk notification preferences (#19): off until the agent opts in, saved by one service."""

from __future__ import annotations

import pytest

from agents.models import Agent
from agents.services import agent_preferences_set

pytestmark = pytest.mark.django_db


def test_preferences_are_off_by_default(agent):
    assert (agent.notify_browser, agent.notify_sound) == (False, False)


def test_preferences_set_saves_both(agent):
    agent_preferences_set(agent=agent, notify_browser=True, notify_sound=False)
    stored = Agent.objects.get(pk=agent.pk)
    assert (stored.notify_browser, stored.notify_sound) == (True, False)
    agent_preferences_set(agent=agent, notify_browser=False, notify_sound=True)
    stored = Agent.objects.get(pk=agent.pk)
    assert (stored.notify_browser, stored.notify_sound) == (False, True)
