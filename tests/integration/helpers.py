"""Helpers of the integration API tests: a keyed client (`Api`), an app install for the client API (`App`),
the error envelope check, row counts for "nothing was written", and a few setup shortcuts."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from agents.models import Account
from conversations.models import Conversation, Media, Message, Participant, Thread
from devices.models import Customer
from devices.tokens import token_make

JSON = "application/json"
MIB = 1024 * 1024
_NO_BODY = object()

# The seed-002 users (TalkJS's "Starting a conversation" guide); 8029 is the other party of the guide.
ALICE = {
    "name": "Alice",
    "email": ["alice@example.com"],
    "photoUrl": "https://example.com/userpictures/12081.png",
    "welcomeMessage": "Hey there! :-)",
    "role": "buyer",
}
SEBASTIAN = {"name": "Sebastian", "email": ["sebastian@example.com"], "role": "seller"}
FILE_TXT = {"fileName": "file.txt", "mimeType": "plain/text", "data": "ZmlsZQ=="}  # seed 003: b"file"


@dataclass(frozen=True)
class Api:
    """The integration API as one backend calls it: JSON bodies and its key in a header.

    `header` is "bearer" (`Authorization: Bearer`, [S2]/[S3]) or "agent" (`Agent-Secret-Key`, [S1]).
    """

    client: Client
    account: Account
    key: str
    header: str = "bearer"

    def using(self, **changes: Any) -> Api:
        return replace(self, **changes)

    def v1(self, path: str) -> str:
        """A path of the [S2] family under this key's appId."""
        return f"/api/v1/{self.account.app_id}/{path}"

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.key}"} if self.header == "bearer" else {"Agent-Secret-Key": self.key}
        return {**auth, **(extra or {})}

    def get(self, path: str, params: dict | None = None, *, headers: dict[str, str] | None = None):
        return self.client.get(path, params, headers=self.headers(headers))

    def post(self, path: str, body: Any = _NO_BODY, **options: Any):
        return self._send("post", path, body, **options)

    def put(self, path: str, body: Any = _NO_BODY, **options: Any):
        return self._send("put", path, body, **options)

    def patch(self, path: str, body: Any = _NO_BODY, **options: Any):
        return self._send("patch", path, body, **options)

    def delete(self, path: str, *, headers: dict[str, str] | None = None):
        return self.client.delete(path, headers=self.headers(headers))

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        raw: str | bytes | None = None,
        content_type: str = JSON,
        headers: dict[str, str] | None = None,
    ):
        data = raw if raw is not None else ("" if body is _NO_BODY else json.dumps(body))
        return getattr(self.client, method)(path, data=data, content_type=content_type, headers=self.headers(headers))


# --- responses ---------------------------------------------------------------------------------------------


def assert_error(
    response, status: int, code: str, *, fields: list[tuple[str, str]] | None = None, details: dict | None = None
) -> dict:
    """The §4 envelope: status, code, `logRef` equal to `X-Request-Id`; `fields` compared as (path, code) pairs."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (status, code), error
    assert error["logRef"] == response["X-Request-Id"]
    if fields is not None:
        assert sorted((f["path"], f["code"]) for f in error["fields"]) == sorted(fields), error["fields"]
    if details is not None:
        assert error["details"] == details, error
    return error


def stored_files(media_root: Path) -> list[Path]:
    """Files in the media root: attachments of a refused or deleted write must not stay behind."""
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def field_codes(response) -> list[str]:
    return [f["code"] for f in response.json()["error"]["fields"]]


def db_counts() -> dict[str, int]:
    """Rows an integration request may write: compare before and after a refused request."""
    return {
        model.__name__: model.objects.count() for model in (Customer, Conversation, Thread, Message, Media, Participant)
    }


# --- setup shortcuts that the API has no call for -------------------------------------------------------------


def add_closed_threads(conversation: Conversation, count: int) -> None:
    """Old, closed threads: a conversation near the thread limit without posting hundreds of chats."""
    start = timezone.now() - timedelta(days=1)
    Thread.objects.bulk_create(
        Thread(
            conversation=conversation,
            type=Thread.Type.CHAT,
            status=Thread.Status.CLOSED,
            source="chat_api",
            created_at=start + timedelta(seconds=n),
            closed_at=start + timedelta(seconds=n),
            close_reason=Thread.CloseReason.AGENT,
        )
        for n in range(count)
    )


def renumber(customer: Customer, number: int) -> Customer:
    """Give a customer the Help Scout "Customer ID" a seed uses (`456`)."""
    Customer.objects.filter(pk=customer.pk).update(number=number)
    customer.refresh_from_db()
    return customer


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def iso_z(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- an app install (client API), for what "the app sees" ---------------------------------------------------


@dataclass(frozen=True)
class App:
    """One SDK install of `account`, anonymous or (with `subject`) logged in with a token for that subject."""

    client: Client
    account: Account
    device_id: str
    subject: str | None = None

    def as_registered(self, subject: str) -> App:
        return replace(self, subject=subject)

    def headers(self) -> dict[str, str]:
        headers = {"x-iris-identification": f"{self.account.identification}:{self.device_id}"}
        if self.subject is not None:
            headers["Authorization"] = token_make(
                customer_id=self.subject,
                authorization_secret=self.account.authorization_secret,
                shared_secret=self.account.shared_secret,
                valid_until=int(time.time()) + 86400,
            )
        return headers

    def register(self) -> App:
        response = self.client.post(
            "/clientApi/v1.9/devices", data=json.dumps({"type": 3}), content_type=JSON, headers=self.headers()
        )
        assert response.status_code == 200, response.content
        return self

    def send(self, text: str) -> int:
        response = self.client.post(
            "/clientApi/v1.9/messages", data=json.dumps({"message": text}), content_type=JSON, headers=self.headers()
        )
        assert response.status_code == 200, response.content
        return int(response.json()["data"]["messageId"])

    def messages(self) -> dict:
        response = self.client.get("/clientApi/v1.9/messages", headers=self.headers())
        assert response.status_code == 200, response.content
        return response.json()
