"""Keep the cached account of client identification in step with changes."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from agents.models import Account
from devices.identification import account_cache_forget


@receiver(post_save, sender=Account)
def forget_cached_account(sender, instance: Account, **kwargs) -> None:
    # Now, and again after commit: a request in between would have cached the old account again.
    account_cache_forget(instance)
    transaction.on_commit(partial(account_cache_forget, instance))
