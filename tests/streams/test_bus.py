"""The live bus between processes and what a stream does without it (issue #18)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.clientapi.helpers import register
from tests.processes import ROOT
from tests.streams.sse import open_stream


@pytest.fixture
def web(client, account):
    return register(client, "web-device-0001")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_the_bus_a_stream_is_refused_and_the_client_polls(stream_server, settings, web):
    settings.LIVE_BUS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    status, body = open_stream(stream_server.url, "/stream/client", web.headers())

    assert status == 503
    assert body["notifications"] == [{"type": "error", "message": "service_unavailable"}]


def test_a_wsgi_process_refuses_streams_at_once(db, client, web, agent):
    """A proxy that sends /stream/ to the API processes must not hold a worker for an hour."""
    response = client.get("/stream/client", headers=web.headers())
    assert response.status_code == 503
    assert response.json()["notifications"] == [{"type": "error", "message": "service_unavailable"}]

    desk = Client()
    desk.force_login(agent.user)
    response = desk.get("/stream/desk")
    assert response.status_code == 503 and response.json()["error"] == "service_unavailable"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis: runs in CI with REDIS_URL")
def test_an_event_published_by_another_process_reaches_the_stream(stream_server, web):
    # given a customer's open stream in this process
    _, sse = open_stream(stream_server.url, "/stream/client", web.headers())
    sse.next_of("ready")
    customer_id = web.client.get("/clientApi/v1.9/messages", headers=web.headers()) and _customer_id(web)

    # when another process publishes an event for that customer on the bus
    event = {"kind": "status", "account": 0, "topics": [f"customer:{customer_id}"], "ids": [12345], "status": 4}
    code = textwrap.dedent(f"""
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messenger_project.settings")
        django.setup()
        from messenger_project import live_bus
        live_bus.publish({event!r})
    """)
    environment = {**os.environ, "LIVE_BUS_URL": django_settings.LIVE_BUS_URL}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True, timeout=30)

    # then the stream carries it
    assert sse.next_of("status").data == {"ids": [12345], "status": 4}


def _customer_id(app) -> int:
    from tests.clientapi.helpers import customer_of

    return customer_of(app).pk
