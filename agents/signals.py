"""Forget cached webhook subscriptions when a webhook or a key (its bot binding) changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents.delivery.webhooks import subscriptions_forget
from agents.models import ApiKey, Webhook


@receiver([post_save, post_delete], sender=Webhook)
@receiver([post_save, post_delete], sender=ApiKey)
def forget_subscriptions(sender, instance, **kwargs) -> None:
    subscriptions_forget(instance.account_id)
