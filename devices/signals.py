"""Keep what the client API caches (the account, a poll's snapshot of its device) in step with changes."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents.models import Account
from conversations.poll_state import snapshots_forget
from devices.identification import account_cache_forget
from devices.models import Device


@receiver(post_save, sender=Account)
def forget_cached_account(sender, instance: Account, **kwargs) -> None:
    # Now, and again after commit: a request in between would have cached the old account again.
    account_cache_forget(instance)
    transaction.on_commit(partial(account_cache_forget, instance))


@receiver([post_save, post_delete], sender=Device)
def forget_poll_snapshot(sender, instance: Device, **kwargs) -> None:
    snapshots_forget(account_id=instance.account_id, device_ids=[instance.device_id])
