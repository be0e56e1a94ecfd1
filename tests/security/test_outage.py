"""Issue #16, finding 6: with the database unreachable, every surface answers 503 with Retry-After in its own body
(the client API's envelope, the integration API's error body, a plain page for the desk and the admin), not a 500.

A real server process (gunicorn) is started with DATABASE_URL naming a PostgreSQL port where nothing listens: no
mock of the database. The test itself needs no database, so it runs in the SQLite run as well.
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
from django import db
from django.test import RequestFactory

from messenger_project.error_pages import OutageMiddleware, server_error
from messenger_project.outage import RETRY_AFTER_SECONDS, database_unavailable

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgres://postgres@127.0.0.1:1/none"  # port 1: the connection is refused at once
RETRY_AFTER = str(RETRY_AFTER_SECONDS)
DEVICE = {"x-iris-identification": "0cce5bfcdbf07978b269:outage-device-01"}
KEY = {"Authorization": "Bearer sk_live_0123456789abcdef0123456789abcdef"}
SESSION = {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}  # any session id: loading it reads the database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """One gunicorn worker whose database cannot be reached; the cache (local memory) is up."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CACHE_URL", "DATABASE_URL"}}
    env.update(
        {
            "DATABASE_URL": UNREACHABLE,
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_ACCESS_LOG": "",
            "DJANGO_DEBUG": "false",
            "INTEGRATION_ALLOW_INSECURE_LOOPBACK": "true",
        }
    )
    log = tmp_path_factory.mktemp("outage") / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "messenger_project.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(base: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server did not start: {log.read_text()}")


def _call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/clientApi/v1.9/messages", None),
        ("GET", "/clientApi/v1.9/messages/after:10", None),
        ("POST", "/clientApi/v1.9/messages", b'{"message": "Hello"}'),
        ("POST", "/clientApi/v1.9/devices", b'{"type": 3}'),
        ("GET", "/clientApi/v1.9/config", None),
    ],
)
def test_client_api_answers_503_in_its_envelope(server, method, path, body):
    status, headers, content = _call(
        f"{server}{path}", method, body, {**DEVICE, "Content-Type": "text/plain;charset=UTF-8"}
    )

    assert status == 503, content
    assert headers["Content-Type"] == "application/json"
    assert headers["Retry-After"] == RETRY_AFTER
    envelope = json.loads(content)
    assert envelope["status"] == "ERROR"
    assert envelope["data"] is None
    assert envelope["notifications"] == [{"type": "error", "message": "service_unavailable"}]
    assert envelope["metadata"]["method"] == method.lower()


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        ("GET", "/api/v2/conversations", None, KEY),
        ("POST", "/api/external/users", b'{"firstName": "J", "lastName": "D", "email": "j@example.com"}', KEY),
        ("PUT", "/api/v1/app_x/users/u1", b'{"name": "U", "email": null}', KEY),
        ("GET", "/api/external/users/search?fkId=u1", None, {"Agent-Secret-Key": KEY["Authorization"][7:]}),
    ],
)
def test_integration_api_answers_503_in_its_error_body(server, method, path, body, key):
    status, headers, content = _call(f"{server}{path}", method, body, {**key, "Content-Type": "application/json"})

    assert status == 503, content
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Retry-After"] == RETRY_AFTER
    error = json.loads(content)["error"]
    assert (error["status"], error["code"]) == (503, "service_unavailable")
    assert error["logRef"] == headers["X-Request-Id"]


@pytest.mark.parametrize("path", ["/desk/", "/admin/", "/admin/login/"])
def test_desk_and_admin_answer_a_plain_503_page(server, path):
    status, headers, content = _call(f"{server}{path}", headers=SESSION)

    assert status == 503, content
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Retry-After"] == RETRY_AFTER
    assert b"<title>Service unavailable</title>" in content


def test_probes_stay_as_they_are(server):
    assert _call(f"{server}/healthz")[0] == 200
    status, _, content = _call(f"{server}/readyz")

    assert status == 503
    assert json.loads(content) == {"status": "unavailable", "checks": {"database": False, "cache": True}}


# --- which errors are an outage, and the answer outside a view ----------------------------------------------------


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (db.OperationalError("connection refused"), True),
        (db.InterfaceError("connection already closed"), True),
        (db.IntegrityError("duplicate key"), False),
        (db.DataError("bigint out of range"), False),
        (RuntimeError("a bug"), False),
    ],
)
def test_only_a_broken_or_refused_connection_is_an_outage(error, outage):
    assert database_unavailable(error) is outage


def test_an_outage_raised_as_the_cause_of_another_error_is_an_outage():
    try:
        try:
            raise db.OperationalError("server closed the connection unexpectedly")
        except db.OperationalError as cause:
            raise RuntimeError("the session could not be loaded") from cause
    except RuntimeError as error:
        assert database_unavailable(error)


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/clientApi/v1.9/messages", "application/json", b'"message":"service_unavailable"'),
        ("/api/v2/conversations", "application/json; charset=utf-8", b'"code":"service_unavailable"'),
        ("/desk/", "text/html; charset=utf-8", b"<title>Service unavailable</title>"),
    ],
)
def test_an_outage_outside_a_view_answers_503_in_the_surfaces_body(path, content_type, expected):
    """handler500: a middleware (the session's) that failed on the database gets the same answer as a view."""
    request = RequestFactory().get(path)
    try:
        raise db.OperationalError("connection refused")
    except db.OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert response["Content-Type"] == content_type
    assert response["Retry-After"] == RETRY_AFTER
    assert expected in response.content


def test_the_middleware_leaves_other_errors_to_django():
    middleware = OutageMiddleware(lambda request: None)

    assert middleware.process_exception(RequestFactory().get("/desk/"), RuntimeError("a bug")) is None
