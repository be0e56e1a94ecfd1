"""Keep the cached business-hours schedule (`agents.business_hours_cache`) in step with its rows."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from agents.business_hours_cache import schedule_forget
from agents.models import Account, Holiday, OpeningHours


def forget_schedule_of_row(sender, instance: OpeningHours | Holiday, **kwargs) -> None:
    schedule_forget(instance.account_id)


def forget_schedule_of_account(sender, instance: Account, **kwargs) -> None:
    schedule_forget(instance.pk)


def connect() -> None:
    for model in (OpeningHours, Holiday):
        post_save.connect(forget_schedule_of_row, sender=model, dispatch_uid=f"business-hours-{model.__name__}-save")
        post_delete.connect(
            forget_schedule_of_row, sender=model, dispatch_uid=f"business-hours-{model.__name__}-delete"
        )
    post_save.connect(forget_schedule_of_account, sender=Account, dispatch_uid="business-hours-account-save")
    post_delete.connect(forget_schedule_of_account, sender=Account, dispatch_uid="business-hours-account-delete")
