"""Django's PostgreSQL backend (psycopg 3), with a health check that costs no round trip on a quiet connection."""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        """Django asks this before each request's first query (`CONN_HEALTH_CHECKS`), with a `SELECT 1`: one more
        round trip on every request. Between requests a connection has nothing to read, unless the server ended the
        session (a restart, `pg_terminate_backend`, an idle timeout): then its socket is readable, with the server's
        last message or the end of the stream. So only a readable socket is asked, as Django asks."""
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        poller = select.poll()
        try:
            poller.register(conn.fileno(), select.POLLIN)
            quiet = not poller.poll(0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return quiet or super().is_usable()
