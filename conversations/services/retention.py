"""The retention policy (#22, data protection): an account's conversations closed more than
`Account.retention_days` days ago are deleted, with their threads, messages, receipts, ratings and media (the files
after the commit). Accounts without a policy keep everything.

Run by every worker's sweep (`db_worker`, RETENTION_BATCH conversations a round at most: the next round takes the
rest) and by `manage.py apply_retention` (cron, or once by hand: it loops until nothing is due). Each deletion is
audited as a count per account, never what was deleted. Outbox rows (`Delivery`) about those conversations are
left to `manage.py prune_deliveries` (finished deliveries after some days).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from agents.models import RETENTION_DAYS_MAX, Account
from agents.services import audit_record
from conversations.models import Conversation, Participant
from conversations.poll_state import timeline_changed

RETENTION_BATCH = 500
logger = logging.getLogger(__name__)


def _due(account: Account, now: datetime):
    cutoff = now - timedelta(days=min(account.retention_days, RETENTION_DAYS_MAX))
    return Conversation.objects.filter(account=account, status=Conversation.Status.CLOSED, closed_at__lt=cutoff)


def retention_apply(*, now: datetime | None = None, limit: int = RETENTION_BATCH) -> int:
    """Delete up to `limit` conversations past their account's retention (oldest first); returns how many."""
    now = now or timezone.now()
    deleted = 0
    for account in Account.objects.filter(retention_days__isnull=False).order_by("pk"):
        if deleted >= limit:
            break
        try:
            deleted += _account_apply(account=account, now=now, limit=limit - deleted)
        except Exception:  # one account's failure (a row the validators never saw) holds up no other account
            logger.exception("retention of account %s failed", account.pk)
    return deleted


def _account_apply(*, account: Account, now: datetime, limit: int) -> int:
    due = list(_due(account, now).order_by("closed_at", "pk").values_list("pk", flat=True)[:limit])
    if not due:
        return 0
    with transaction.atomic():
        # Locked in pk order and asked again: a conversation reopened meanwhile stays.
        ids = list(
            _due(account, now)
            .select_for_update(of=("self",))
            .filter(pk__in=due)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        readers = sorted(set(Participant.objects.filter(conversation_id__in=ids).values_list("customer_id", flat=True)))
        # Pointers from other conversations are SET_NULL by the ORM's delete; the rest cascades.
        Conversation.objects.filter(pk__in=ids).delete()
        timeline_changed(customer_ids=readers)
        audit_record(
            actor=None,
            action="retention: delete conversations",
            account=account,
            target=f"{len(ids)} conversations closed more than {account.retention_days} days ago",
        )
    return len(ids)
