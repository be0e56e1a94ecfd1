"""Fixtures of the event stream tests: a stream server (uvicorn, in a thread) on the test database."""

from __future__ import annotations

import pytest

from tests.streams.sse import StreamServer


@pytest.fixture
def stream_server(transactional_db):
    server = StreamServer().start()
    yield server
    server.stop()


# The client API tests' account (with the spec's test-vector secrets) and agent.
from tests.clientapi.conftest import account, agent, other_account  # noqa: E402, F401
