"""Reads of customers for the integration API."""

from __future__ import annotations

import uuid

from django.db.models import F, QuerySet
from django.db.models.functions import Lower

from agents.models import Account
from devices.models import Customer


def customers_with_email(*, account: Account, email: str) -> QuerySet[Customer]:
    """Case-insensitive, on the unique index (account_id, lower(email))."""
    return Customer.objects.alias(email_lower=Lower("email")).filter(account=account, email_lower=email.lower())


def customer_search(*, account: Account, email: str = "", phone: str = "", fk_id: str = "") -> Customer | None:
    """The one live customer matching every given identifier (walks the unique indexes), else None."""
    queryset = Customer.objects.filter(account=account, merged_into__isnull=True)
    if email:
        queryset = queryset.alias(email_lower=Lower("email")).filter(email_lower=email.lower())
    if phone:
        queryset = queryset.filter(phone=phone)
    if fk_id:
        queryset = queryset.filter(fk_id=fk_id)
    matches = list(queryset[:2])
    return matches[0] if len(matches) == 1 else None


def customer_conversation_ids(*, customer: Customer) -> list[str]:
    """Every live conversation the customer takes part in, newest activity first ([S1] search)."""
    return list(
        customer.participations.filter(conversation__merged_into__isnull=True)
        .order_by(F("conversation__last_activity_at").desc(nulls_last=True), "-conversation__created_at")
        .values_list("conversation__public_id", flat=True)
    )


def customers_by_user_ids(*, account: Account, user_ids: list[str]) -> dict[str, Customer]:
    """Resolve [S2] `{userId}`s: the customer whose fkId equals it, else whose id (UUID) equals it (§3.3).

    Two queries for any number of ids; ids that resolve to nobody are left out.
    """
    found = {c.fk_id: c for c in Customer.objects.filter(account=account, fk_id__in=user_ids)}
    wanted_uuids = {}
    for user_id in user_ids:
        if user_id not in found:
            try:
                wanted_uuids[uuid.UUID(user_id)] = user_id
            except ValueError:
                continue
    for customer in Customer.objects.filter(account=account, uuid__in=list(wanted_uuids)):
        found[wanted_uuids[customer.uuid]] = customer
    return found


def customer_by_user_id(*, account: Account, user_id: str) -> Customer | None:
    return customers_by_user_ids(account=account, user_ids=[user_id]).get(user_id)


def email_owner(*, account: Account, email: str, excluding: Customer | None = None) -> Customer | None:
    """The customer holding `email` as primary (on the lower(email) index) or secondary address, if any."""
    others = Customer.objects.exclude(pk=excluding.pk) if excluding else Customer.objects.all()
    owner = others.alias(email_lower=Lower("email")).filter(account=account, email_lower=email.lower()).first()
    if owner is not None:
        return owner
    # Secondary addresses live in a JSON list: narrow down in the database, confirm exactly here.
    for candidate in others.filter(account=account, extra_emails__icontains=email):
        if email.lower() in (e.lower() for e in candidate.extra_emails):
            return candidate
    return None
