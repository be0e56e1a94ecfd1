"""Django's PostgreSQL backend (psycopg 3), with a health check that costs no round trip on a quiet connection."""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        """Django asks this before each request's first query (`CONN_HEALTH_CHECKS`), with a `SELECT 1`: one more
        round trip on every request. Between requests a connection is idle and has nothing to read, unless the
        server ended the session (a restart, `pg_terminate_backend`, an idle timeout): then its socket is
        readable, with the server's last message or the end of the stream. So the server is asked, as Django
        asks, only when the socket is readable or the connection is not idle (after an error, say)."""
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            idle = conn.info.transaction_status == TransactionStatus.IDLE
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN)
            quiet = idle and not poller.poll(0)
        except (OSError, ValueError, psycopg.Error):  # the socket is gone
            return False
        return quiet or super().is_usable()
