"""The desk's part of routing (#20): the agent's availability (online / away / offline) in the top bar, the signs of
life that keep them online (desk.js sends one a minute while they use the page), and routing a conversation to a
team. The rules are the routing services'."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agents.models import Agent, Team
from conversations.desk.views import _back, _back_to_conversation, _conversation, _wants_json, agent_required
from conversations.services import agent_activity_seen, agent_availability_set, conversation_team_set
from messenger_project.errors import ServiceError
from messenger_project.numbers import is_digits


@require_POST
@agent_required
def availability(request):
    choice = request.POST.get("availability", "")
    if choice not in Agent.Availability.values:
        if _wants_json(request):
            return JsonResponse({"error": _("Choose online, away or offline.")}, status=400)
        flash.error(request, _("Choose online, away or offline."))
        return redirect(_back(request))
    agent = agent_availability_set(agent=request.agent, availability=choice)
    if _wants_json(request):
        return JsonResponse({"availability": agent.availability, "label": agent.get_availability_display()})
    flash.success(request, _("Availability: %(availability)s.") % {"availability": agent.get_availability_display()})
    return redirect(_back(request))


@require_POST
@agent_required
def presence(request):
    """A sign of life from an open desk: the idle clock starts again. Answers the availability (the worker may have
    set them away meanwhile)."""
    agent = agent_activity_seen(agent=request.agent)
    return JsonResponse({"availability": agent.availability, "label": agent.get_availability_display()})


@require_POST
@agent_required
def conversation_team(request, pk: int):
    conversation = _conversation(request, pk)
    value = request.POST.get("team", "")
    team = None
    if value:
        team = Team.objects.filter(account_id=conversation.account_id, pk=value).first() if is_digits(value) else None
        if team is None:
            flash.error(request, _("No such team in this account."))
            return _back_to_conversation(request, pk)
    try:
        conversation_team_set(conversation=conversation, team=team, agent=request.agent)
    except ServiceError as exc:
        flash.error(request, exc.message)
    return _back_to_conversation(request, pk)
