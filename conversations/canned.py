"""Placeholders of canned replies: plain replacement, no template language (nothing in a reply's text is run)."""

from __future__ import annotations

import re

from agents.models import Agent
from devices.models import Customer

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]+\.[A-Za-z_]+)\s*\}\}")
PLACEHOLDERS = ("customer.name", "customer.first_name", "customer.email", "agent.name")


def _customer_name(customer: Customer | None) -> str:
    if customer is None:
        return ""
    return customer.name.strip() or f"{customer.first_name} {customer.last_name}".strip()


def _customer_first_name(customer: Customer | None) -> str:
    if customer is None:
        return ""
    if customer.first_name.strip():
        return customer.first_name.strip()
    name = _customer_name(customer).split()
    return name[0] if name else ""


def canned_reply_render(*, text: str, customer: Customer | None, agent: Agent | None) -> str:
    """The text with `{{customer.name}}`, `{{customer.first_name}}`, `{{customer.email}}` and `{{agent.name}}`
    replaced (spaces inside the braces allowed). A value that is missing becomes empty; a placeholder we do not know
    stays as it was typed."""
    values = {
        "customer.name": _customer_name(customer),
        "customer.first_name": _customer_first_name(customer),
        "customer.email": customer.email.strip() if customer is not None else "",
        "agent.name": agent.display_name if agent is not None else "",
    }

    def replace(match: re.Match) -> str:
        key = match.group(1)
        return values[key] if key in values else match.group(0)

    return PLACEHOLDER.sub(replace, text)
