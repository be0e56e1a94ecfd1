"""Small helpers for the client API tests: an SDK install (`App`), tokens, uploads and envelope checks."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from conversations.models import Conversation, Media, Message, Receipt
from conversations.services import message_post
from devices.models import Customer, Device
from devices.tokens import token_make

# The made-up secrets of the spec's token test vector (client API §2.2).
ACCOUNT_IDENTIFICATION = "0cce5bfcdbf07978b269"
AUTHORIZATION_SECRET = "test-authorization-secret"
SHARED_SECRET = "test-shared-secret"

WEB_JSON = "text/plain;charset=UTF-8"  # fetch with a string body (web SDK)
ANDROID_JSON = "text/plain; charset=UTF-8"  # Retrofit's scalars converter
IOS_JSON = "application/json; charset=utf-8"

WEB_BODY = {"type": 3, "version": "2.0.0", "referer": "https://shop.example/help"}
ANDROID_BODY = {
    "pushToken": "f3x-android",
    "pushType": 6,
    "userAdditionalInformation": {},
    "type": 1,
    "version": "3.13.0",
}

MESSAGE_KEYS = {
    "id",
    "time",
    "message",
    "image",
    "typeId",
    "agent",
    "title",
    "media",
    "buttons",
    "carousel",
    "quickReplies",
    "custom",
}


def api(path: str, version: str = "1.9") -> str:
    return f"/clientApi/v{version}/{path}"


def token_for(customer_id: str, *, valid_until: int | None = None, shared_secret: str = SHARED_SECRET) -> str:
    """A token made as an integrator's backend makes it (§2.2), valid for 7 days unless told."""
    return token_make(
        customer_id=customer_id,
        authorization_secret=AUTHORIZATION_SECRET,
        shared_secret=shared_secret,
        valid_until=int(time.time()) + 7 * 86400 if valid_until is None else valid_until,
    )


@dataclass(frozen=True)
class App:
    """One SDK install: sends its identification (and token) with every request."""

    client: Client
    device_id: str
    token: str | None = None
    identification: str = ACCOUNT_IDENTIFICATION
    version: str = "1.9"
    json_type: str = WEB_JSON

    def with_(self, **changes: Any) -> App:
        return replace(self, **changes)

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"x-iris-identification": f"{self.identification}:{self.device_id}"}
        if self.token is not None:
            headers["Authorization"] = self.token
        return {**headers, **extra}

    def url(self, path: str) -> str:
        return api(path, self.version)

    def get(self, path: str, **headers: str):
        return self.client.get(self.url(path), headers=self.headers(**headers))

    def post(self, path: str, body: Any = None, *, raw: str | None = None, **headers: str):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(self.url(path), data=data, content_type=self.json_type, headers=self.headers(**headers))

    def put(self, path: str, body: Any = None, *, raw: str | None = None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.put(self.url(path), data=data, content_type=self.json_type, headers=self.headers())

    def upload(self, path: str, **parts: Any):
        """multipart/form-data, as the SDKs upload (`media=` on POST media, `image=` on legacy POST messages)."""
        return self.client.post(self.url(path), data=parts, headers=self.headers())

    def register(self, body: dict | None = None):
        return self.post("devices", body if body is not None else WEB_BODY)

    def send(self, text: str) -> int:
        response = self.post("messages", {"message": text})
        assert response.status_code == 200, response.content
        return int(response.json()["data"]["messageId"])


def register(client: Client, device_id: str, token: str | None = None, *, body: dict | None = None, **app) -> App:
    """`POST devices` for a new SDK install; returns the install once the server accepted it."""
    installed = App(client=client, device_id=device_id, token=token, **app)
    response = installed.register(body)
    assert response.status_code == 200, response.content
    return installed


def customer_of(app: App) -> Customer:
    return Device.objects.select_related("customer").get(device_id=app.device_id).customer


def agent_reply(app: App, agent, text: str = "How can I help?", **fields: Any) -> Message:
    """An agent (or, with agent=None, the system) posts into the app's current conversation."""
    customer = customer_of(app)
    return message_post(conversation=customer.current_conversation, author=agent, text=text, **fields)


def png_bytes(size: tuple[int, int] = (4, 3), colour: tuple[int, int, int] = (200, 10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload_file(content: bytes, name: str = "holiday.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def db_counts() -> dict[str, int]:
    """Rows a client request may write: compare before and after a refused request."""
    return {
        model.__name__: model.objects.count() for model in (Customer, Device, Conversation, Message, Receipt, Media)
    }


def stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def assert_error(response, status_code: int, *codes: str, url: str | None = None) -> dict:
    """The error envelope every SDK can read (§3.2): non-2xx, JSON, ERROR, the codes first, data null."""
    assert response.status_code == status_code, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ERROR"
    assert body["data"] is None
    assert [n["message"] for n in body["notifications"][: len(codes)]] == list(codes)
    assert {n["type"] for n in body["notifications"]} == {"error"}
    assert body["metadata"]["method"] == response.request["REQUEST_METHOD"].lower()
    assert isinstance(body["metadata"]["duration"], float)
    if url is not None:
        assert body["metadata"]["values"]["url"] == url
    return body
