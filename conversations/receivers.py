"""Keep a poll's cached snapshot of its device, and its open stream, in step with changes to the device; an agent's
availability follows signing in and out."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from agents.models import Agent
from conversations.live import device_live
from conversations.poll_state import snapshots_forget
from conversations.services.routing import agent_availability_set
from devices.models import Device


@receiver([post_save, post_delete], sender=Device)
def forget_poll_snapshot(sender, instance: Device, **kwargs) -> None:
    snapshots_forget(account_id=instance.account_id, device_ids=[instance.device_id])
    device_live(account_id=instance.account_id, device_id=instance.device_id)


@receiver(user_logged_in)
def agent_online_on_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in to the desk (or the admin) puts the agent online; signing out, offline (routing, #20)."""
    agent = Agent.objects.filter(user=user).first()
    if agent is not None:
        agent_availability_set(agent=agent, availability=Agent.Availability.ONLINE)


@receiver(user_logged_out)
def agent_offline_on_sign_out(sender, request, user, **kwargs) -> None:
    agent = Agent.objects.filter(user=user).first() if user is not None else None
    if agent is not None:
        agent_availability_set(agent=agent, availability=Agent.Availability.OFFLINE)
