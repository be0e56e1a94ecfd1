"""Keep a poll's cached snapshot of its device, and its open stream, in step with changes to the device; an agent's
availability follows signing in and out; a deleted media row's files are deleted from storage; turning
auto-assignment on queues what already waits (routing, #20)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from agents.models import Account, Agent, AutoAssignment, Team
from conversations.live import device_live
from conversations.media import media_files_release
from conversations.models import Media
from conversations.poll_state import snapshots_forget
from conversations.services.routing import agent_availability_set, routing_backlog_enqueue
from devices.models import Device


@receiver([post_save, post_delete], sender=Device)
def forget_poll_snapshot(sender, instance: Device, **kwargs) -> None:
    snapshots_forget(account_id=instance.account_id, device_ids=[instance.device_id])
    device_live(account_id=instance.account_id, device_id=instance.device_id)


@receiver(post_delete, sender=Media)
def release_media_files(sender, instance: Media, **kwargs) -> None:
    """Whatever deletes a media row, its files follow after the commit (or by the worker's sweep)."""
    media_files_release(instance)


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


@receiver(pre_save, sender=Account)
@receiver(pre_save, sender=Team)
def remember_auto_assignment(sender, instance, update_fields=None, **kwargs) -> None:
    """The mode before the save (one query, only for a saved row whose save may change it)."""
    if instance.pk is not None and (update_fields is None or "auto_assignment" in update_fields):
        stored = sender._default_manager.filter(pk=instance.pk).values_list("auto_assignment", flat=True).first()
        instance._auto_assignment_before = stored


@receiver(post_save, sender=Account)
@receiver(post_save, sender=Team)
def queue_backlog_when_auto_assignment_turns_on(sender, instance, created, **kwargs) -> None:
    before = instance.__dict__.pop("_auto_assignment_before", None)
    if created or before != AutoAssignment.OFF or instance.auto_assignment == AutoAssignment.OFF:
        return
    if sender is Team:
        routing_backlog_enqueue(account_id=instance.account_id, team_id=instance.pk)
    else:
        routing_backlog_enqueue(account_id=instance.pk, team_id=None)
