"""Keep a poll's cached snapshot of its device, and its open stream, in step with changes to the device."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from conversations.live import device_live
from conversations.poll_state import snapshots_forget
from devices.models import Device


@receiver([post_save, post_delete], sender=Device)
def forget_poll_snapshot(sender, instance: Device, **kwargs) -> None:
    snapshots_forget(account_id=instance.account_id, device_ids=[instance.device_id])
    device_live(account_id=instance.account_id, device_id=instance.device_id)
