"""Reads for accounts and agents."""

from __future__ import annotations

from django.db.models import QuerySet

from agents.models import Account, Agent


def agent_serves_account(*, agent: Agent, account: Account) -> bool:
    return agent.memberships.filter(account=account).exists()


def accounts_for_agent(*, agent: Agent) -> QuerySet[Account]:
    return Account.objects.filter(memberships__agent=agent)
