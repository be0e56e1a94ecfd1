"""Agents' avatars, `GET /media/avatars/…`: public, as the client API's agent objects (`agent.avatar`) and the web
widget link them. Only a stored avatar of some agent is served, and only as the image its bytes are."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from agents.models import Agent
from conversations.media_serving import avatar_response
from messenger_project.errors import ServiceError
from messenger_project.outage import RETRY_AFTER_SECONDS

CACHE_CONTROL = "public, max-age=86400"


@require_GET
def agent_avatar(request, name: str):
    agent = Agent.objects.filter(avatar=f"avatars/{name}").only("avatar").first()
    if agent is None:
        raise Http404("No such avatar")
    try:
        response = avatar_response(agent.avatar, cache_control=CACHE_CONTROL)
    except FileNotFoundError:
        raise Http404("The avatar's file is gone") from None
    except ServiceError as exc:  # storage_unavailable
        return HttpResponse(exc.message, status=exc.status_code, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if response is None:
        raise Http404("Not an image")
    return response
