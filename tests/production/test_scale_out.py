"""Scale-out proof: two server processes, one PostgreSQL and one Redis, share every piece of state.

A device's quota is counted once across both, agent typing set through one is seen through the other, and a
message posted through one is polled through the other. Runs in CI (PostgreSQL + Redis).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from agents.services import api_key_create
from tests.factories import make_account, make_agent
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]
DEVICE = "scale-out-device-0001"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL and REDIS_URL shared by two server processes; runs in CI",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def servers():
    """Two gunicorn processes (one worker each) on the test database and the same Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
        "DJANGO_DEBUG": "false",
    }
    ports = [_free_port(), _free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "messenger_project.wsgi"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            _wait_until_up(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not start")


def _call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def world():
    cache.clear()  # counters of an earlier run must not count against this one
    account = make_account(device_quota_limit=8, device_quota_interval=1, device_quota_time_unit="hour")
    bot = make_agent(account=account, is_bot=True)
    _, key = api_key_create(account=account, name="scale-out", bot=bot)
    return {"account": account, "key": key, "ident": {"x-iris-identification": f"{account.identification}:{DEVICE}"}}


def test_two_processes_share_quota_typing_and_messages(servers, world):
    one, two = servers
    ident, client = world["ident"], "/clientApi/v1.9"
    assert _call(f"{one}{client}/devices", "POST", {"type": 3}, ident)[0] == 200

    # A message posted through one server is polled through the other.
    status, sent = _call(f"{one}{client}/messages", "POST", {"message": "through one"}, ident)
    assert status == 200
    status, page = _call(f"{two}{client}/messages/after:0", headers=ident)
    assert [m["message"] for m in page["data"]] == ["through one"]
    assert page["data"][0]["id"] == int(sent["data"]["messageId"])

    # Agent typing set through one server is seen through the other.
    [conversation_id] = [c for c in _conversation_ids(one, world["key"])]
    status, _ = _call(
        f"{one}/api/v2/conversations/{conversation_id}/typing",
        "POST",
        {"state": "start"},
        {"Authorization": f"Bearer {world['key']}", "Content-Type": "application/json"},
    )
    assert status == 204
    status, page = _call(f"{two}{client}/messages", headers=ident)
    assert isinstance(page["agent"]["isTyping"], int)

    # The quota (8 an hour) is one count across both: 4 client requests so far, 4 more pass, the 9th is refused.
    results = [_call(f"{(one, two)[n % 2]}{client}/config", headers=ident)[0] for n in range(5)]
    assert results == [200, 200, 200, 200, 429]


def _conversation_ids(base: str, key: str) -> list[str]:
    status, page = _call(f"{base}/api/v2/conversations", headers={"Authorization": f"Bearer {key}"})
    assert status == 200
    return [c["id"] for c in page["_embedded"]["conversations"]]
