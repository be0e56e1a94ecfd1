"""Helpers of the browser tests: a customer's app talking to the live server's client API over real HTTP."""

from __future__ import annotations

import io
import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from PIL import Image

from conversations.models import Conversation
from devices.models import Customer, Device

WEB_SDK_BODY = {"type": 3, "version": "2.0.0", "referer": "https://shop.example/help"}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class CustomerApp:
    """One web SDK install calling `/clientApi/v1.9/` on the live server, as a customer's browser would."""

    base_url: str
    identification: str
    device_id: str

    def call(self, method: str, path: str, body: Any = None) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/clientApi/v1.9/{path}",
            data=None if method == "GET" else json.dumps(body if body is not None else {}).encode(),
            method=method,
            headers={
                "x-iris-identification": f"{self.identification}:{self.device_id}",
                "Content-Type": "text/plain;charset=UTF-8",
            },
        )
        with _NO_PROXY.open(request, timeout=10) as response:
            assert response.status == 200
            return json.loads(response.read())

    def register(self) -> CustomerApp:
        self.call("POST", "devices", WEB_SDK_BODY)
        return self

    def send(self, text: str) -> int:
        return int(self.call("POST", "messages", {"message": text})["data"]["messageId"])

    def messages(self) -> dict:
        """The whole `GET messages` envelope: `data` (the messages) and the top-level `agent`."""
        return self.call("GET", "messages")

    def typing(self, event: str) -> None:
        self.call("POST", f"services/event/{event}")

    def mark_seen(self, *message_ids: int) -> None:
        self.call("PUT", "messages/status/4", {"messageIds": list(message_ids)})


def png_bytes(size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240  # a DOS/Windows header


def customer_of(app: CustomerApp) -> Customer:
    return Device.objects.select_related("customer__current_conversation").get(device_id=app.device_id).customer


def conversation_url(conversation: Conversation) -> str:
    return f"/desk/conversations/{conversation.pk}/"
