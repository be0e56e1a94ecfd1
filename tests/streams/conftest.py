"""Fixtures of the event stream tests: a stream server (uvicorn, in a thread) on the test database."""

from __future__ import annotations

import pytest
from django.db import connections

from tests.streams.sse import StreamServer


@pytest.fixture
def stream_server(transactional_db):
    """The stream server's queries run in a thread pool whose connections would outlive the test (and hold the
    test database open at its teardown): here each is closed after its query."""
    database = connections.settings["default"]
    kept = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0
    server = StreamServer().start()
    yield server
    server.stop()
    database["CONN_MAX_AGE"] = kept


# The client API tests' account (with the spec's test-vector secrets) and agent.
from tests.clientapi.conftest import account, agent, other_account  # noqa: E402, F401
