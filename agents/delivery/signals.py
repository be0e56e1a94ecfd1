"""Forget cached webhook subscriptions when a webhook or a key (its bot binding) changes."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents.delivery.webhooks import subscriptions_forget
from agents.models import ApiKey, Webhook


@receiver([post_save, post_delete], sender=Webhook)
@receiver([post_save, post_delete], sender=ApiKey)
def forget_subscriptions(sender, instance, **kwargs) -> None:
    # Now, and again after commit: a request in between would have cached the old list again.
    subscriptions_forget(instance.account_id)
    transaction.on_commit(partial(subscriptions_forget, instance.account_id))
