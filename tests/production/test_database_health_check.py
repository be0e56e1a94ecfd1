"""The database health check (CONN_HEALTH_CHECKS on Django's PostgreSQL backend): a connection the server ended is
found unusable, so Django opens a new one instead of failing the request."""

from __future__ import annotations

import select

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a PostgreSQL server ending a session; runs in CI with DATABASE_URL",
    ),
]


@pytest.fixture
def own():
    """A connection of the test's own, outside the test's transaction, closed after it."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), 'a marker'")
        return cursor.fetchone()[0]


def _terminated(wrapper) -> int:
    """End the wrapper's session from the server's side, as a restart would; its pid once its socket says so."""
    pid = _pid(wrapper)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    poller = select.poll()
    poller.register(wrapper.connection.fileno(), select.POLLIN)
    assert poller.poll(5000), "the server's message did not arrive"
    return pid


def test_a_connection_the_server_ended_is_not_usable(own):
    _terminated(own)

    assert not own.is_usable()


def test_a_request_after_the_server_ended_the_connection_gets_a_new_one(own):
    pid = _terminated(own)
    own.health_check_done = False  # as Django sets it when a request starts

    own.close_if_health_check_failed()

    assert _pid(own) != pid
