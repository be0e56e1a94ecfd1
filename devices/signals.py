"""Keep the cached account of the client API in step with the admin."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from agents.models import Account
from devices.identification import account_cache_forget


@receiver(post_save, sender=Account)
def forget_cached_account(sender, instance: Account, **kwargs) -> None:
    account_cache_forget(instance)
