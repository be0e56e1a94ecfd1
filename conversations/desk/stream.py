"""The desk's event stream, `GET /stream/desk`: behind the desk's session, for the accounts the agent serves.

Events (server-sent, `data` one line of JSON): `message` (`id`: the message id; `{conversation, author, silent}`),
`conversation` (`{conversation, event, status, assignee}`: a status, an assignment, a thread, a merge), `typing`
(`{conversation, who, typing, customer, agent}`), `ready` after what was missed and `reload` when more was missed
than a stream sends. The desk draws from its own pages: a `message` or `conversation` event makes it read the
inbox (whose counts come with it) and the open conversation again; `ready` does too, which brings back a status
or assignment that changed while the stream was down.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import JsonResponse

from agents.models import Agent
from conversations.desk.selectors import desk_accounts
from conversations.live import account_topic
from conversations.models import Message
from messenger_project.event_stream import (
    Frame,
    bus_unreachable,
    database,
    event_stream_response,
    last_event_id,
    wrong_process,
)

CATCH_UP_LIMIT = 200  # missed messages sent after a reconnect; beyond, `reload`


class DeskStream:
    def __init__(self, *, account_ids: list[int], after: int | None):
        self.account_ids = account_ids
        self.topics = frozenset(account_topic(a) for a in account_ids)
        self.after = after
        self.caught_up: set[int] = set()  # ids sent by the catch-up: the same event may also come live

    async def catch_up(self) -> list[Frame]:
        return await database(self._catch_up)

    async def frames(self, event: dict) -> list[Frame]:
        kind = event["kind"]
        if kind == "message":
            if event["id"] in self.caught_up:
                return []
            data = {"conversation": event["conversation"], "author": event["author"], "silent": event["silent"]}
            return [Frame("message", data, id=event["id"])]
        if kind == "conversation":
            keys = ("conversation", "event", "status", "assignee")
            return [Frame("conversation", {key: event[key] for key in keys})]
        if kind == "typing":
            keys = ("conversation", "who", "typing", "customer", "agent")
            return [Frame("typing", {key: event[key] for key in keys})]
        return []

    def _catch_up(self) -> list[Frame]:
        frames: list[Frame] = []
        if self.after is None:  # a new desk page: from now on
            self.after = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        else:
            missed = list(
                Message.objects.filter(conversation__account_id__in=self.account_ids, pk__gt=self.after)
                .order_by("pk")
                .values_list("pk", "conversation_id", "author_kind", "is_silent")[: CATCH_UP_LIMIT + 1]
            )
            for pk, conversation_id, author, silent in missed[:CATCH_UP_LIMIT]:
                frames.append(
                    Frame("message", {"conversation": conversation_id, "author": author, "silent": silent}, pk)
                )
                self.caught_up.add(pk)
            if len(missed) > CATCH_UP_LIMIT:
                frames.append(Frame("reload", {}))
        frames.append(Frame("ready", {"lastEventId": max([self.after, *self.caught_up])}))
        return frames


def _agent_account_ids(user) -> list[int] | None:
    agent = Agent.objects.filter(user=user, is_bot=False).first()
    return None if agent is None else list(desk_accounts(agent=agent).values_list("pk", flat=True))


def _same_host(request) -> str | None:
    """The Origin of a desk page on this host but another port (`make serve`: the streams on their own port)."""
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).hostname == request.get_host().rsplit(":", 1)[0].strip("[]"):
        return origin
    return None


async def desk_stream(request):
    """`GET /stream/desk`: 401 without a session, 404 for a user who is not an agent, 503 without the bus."""
    refusal = wrong_process(request)
    if refusal:
        return JsonResponse({"error": "service_unavailable", "detail": refusal}, status=503)
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"error": "not_signed_in"}, status=401)
    account_ids = await database(_agent_account_ids, user)
    if account_ids is None:
        return JsonResponse({"error": "not_an_agent"}, status=404)
    refusal = await bus_unreachable()
    if refusal:
        return JsonResponse({"error": "service_unavailable", "detail": refusal}, status=503)
    response = event_stream_response(DeskStream(account_ids=account_ids, after=last_event_id(request)))
    origin = _same_host(request)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response
