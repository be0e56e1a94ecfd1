"""The widget's event stream, `GET /stream/client`: what the client API's polls would show, as it happens.

Authorised as the client API is (`x-iris-identification`, and the registered customer's `Authorization`); an
`EventSource` cannot send headers, so our widget reads it with `fetch`. A refusal is the client API's envelope.
The Parley SDKs keep polling: this is an addition, their contract does not change.

Events (server-sent, `data` one line of JSON):
- `message` (`id`: the message id): a message of the customer's timeline, exactly as `GET messages` shows it;
- `typing`: `{"typing": bool, "agent": agent object}` of the customer's conversations;
- `status`: `{"ids": [...], "status": 4}` the customer's receipts rose (read on another device);
- `read`: `{"upTo": id}` an agent read the customer's current conversation up to that message;
- `conversation`: `{"status": ..., "event": ..., "current": bool}` a conversation of the customer changed;
- `ready`: `{"lastEventId": id}` after what was missed, before the live events;
- `reload`: more was missed than a stream sends: read the latest page (`GET messages`) and connect again.
The stream ends when its device is deleted or registered to another customer (the client reconnects and is
identified again).
A client resumes with `Last-Event-ID` (or `?lastEventId=`): the id of the newest message it has. Without one, the
stream starts after the customer's newest message.
"""

from __future__ import annotations

from agents.models import Agent
from conversations.client_api.base import SUPPORTED_VERSIONS, request_caller
from conversations.client_api.formatting import agent_object
from conversations.client_api.serializers import ClientMessageSerializer
from conversations.live import customer_topic, device_topic
from conversations.models import Conversation
from conversations.services import receipts_mark_received
from conversations.timeline import PAGE_SIZE, timeline_page
from conversations.typing import agent_typing_get
from devices.identification import Caller
from devices.models import Customer, Device
from messenger_project.client_api.envelope import error_http_response
from messenger_project.client_api.middleware import origin_allowed
from messenger_project.errors import ServiceError
from messenger_project.event_stream import (
    Frame,
    bus_unreachable,
    database,
    event_stream_response,
    last_event_id,
    wrong_process,
)
from messenger_project.outage import database_unavailable

VERSION = SUPPORTED_VERSIONS[-1]  # messages are shown as the newest version shows them
CATCH_UP_PAGES = 10  # beyond 500 missed messages the client reloads instead


class ClientStream:
    """Holds ids, not the caller's rows: thousands of these stay open (see docs/performance.md, #18)."""

    def __init__(self, caller: Caller, *, after: int | None):
        self.customer = Customer(pk=caller.customer.pk, account_id=caller.account.pk)  # what the reads use
        self.device_pk, self.device_type = caller.device.pk, caller.device.device_type
        self.topics = frozenset({customer_topic(self.customer.pk), device_topic(caller.account.pk, caller.device_id)})
        self.after = after  # the newest message id sent (or the client had)
        self.agents: dict[int, dict] = {}

    async def catch_up(self) -> list[Frame]:
        return await database(self._catch_up)

    async def frames(self, event: dict) -> list[Frame] | None:
        kind = event["kind"]
        if kind == "device":  # registered again or deleted: the stream ends unless it still serves this customer
            return [] if await database(self._device_serves_customer) else None
        if kind == "message":
            return await database(self._messages, CATCH_UP_PAGES)
        if kind == "typing" and event["agent"] is not None:
            agent = await database(self._agent, event["agent"])
            return [Frame("typing", {"typing": event["typing"], "agent": agent})] if agent else []
        if kind == "status":
            return [Frame("status", {"ids": event["ids"], "status": event["status"]})]
        if kind in ("read", "conversation"):
            current = await database(self._current_conversation_id) == event["conversation"]
            if kind == "read":
                return [Frame("read", {"upTo": event["upTo"]})] if current else []
            status = Conversation.status_public(event["status"])  # as the APIs show it: no snooze
            return [Frame("conversation", {"status": status, "event": event["event"], "current": current})]
        return []

    def _catch_up(self) -> list[Frame]:
        if self.after is None:  # a new client: from now on
            newest = timeline_page(customer=self.customer, limit=1).message_ids
            self.after = newest[0] if newest else 0
        frames = self._messages(CATCH_UP_PAGES)
        current = self._current_conversation_id()
        typing = agent_typing_get(conversation_id=current) if current else None
        if typing is not None:
            agent = self._agent(typing.agent_id, typing_since=typing.since)
            frames.append(Frame("typing", {"typing": True, "agent": agent}))
        frames.append(Frame("ready", {"lastEventId": self.after}))
        return frames

    def _messages(self, pages: int) -> list[Frame]:
        """The customer's messages after the newest one sent, oldest first, marked received (as a poll marks them)."""
        frames: list[Frame] = []
        for _ in range(pages):
            page = timeline_page(customer=self.customer, after=self.after)
            if not page.items:
                return frames
            receipts_mark_received(customer=self.customer, receipts=page.items)
            context = {"version": VERSION, "device_type": self.device_type}
            shown = ClientMessageSerializer(reversed(page.items), many=True, context=context).data
            frames += [Frame("message", message, id=message["id"]) for message in shown]
            self.after = max(page.message_ids)
            if len(page.items) < PAGE_SIZE:
                return frames
        return [*frames, Frame("reload", {})]

    def _device_serves_customer(self) -> bool:
        return Device.objects.filter(pk=self.device_pk, customer_id=self.customer.pk).exists()

    def _current_conversation_id(self) -> int | None:
        found = Customer.objects.filter(pk=self.customer.pk).values_list("current_conversation_id", flat=True)
        return next(iter(found), None)

    def _agent(self, agent_id: int, *, typing_since: int | None = None) -> dict | None:
        if agent_id not in self.agents:
            agent = Agent.objects.filter(pk=agent_id).first()
            if agent is None:
                return None
            self.agents[agent_id] = agent_object(agent)
        return {**self.agents[agent_id], "isTyping": typing_since}


async def client_stream(request):
    """`GET /stream/client`. CORS and preflight: the client API's middleware (`ClientAPIMiddleware`)."""
    if request.method != "GET":
        return error_http_response(request, 405, "method_not_allowed")
    if wrong_process(request):
        return error_http_response(request, 503, "service_unavailable")
    try:
        caller = await database(request_caller, request)
    except ServiceError as error:
        return error_http_response(request, error.status_code, error.code, *error.extra_codes)
    except Exception as error:
        if database_unavailable(error):
            return error_http_response(request, 503, "service_unavailable")
        raise
    if not origin_allowed(request.headers.get("Origin"), caller.account.allowed_origins):
        return error_http_response(request, 403, "origin_not_allowed")
    if await bus_unreachable():
        return error_http_response(request, 503, "service_unavailable")
    return event_stream_response(ClientStream(caller, after=last_event_id(request)))
