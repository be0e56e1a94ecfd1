"""Fixtures of the delivery tests: a real SMTP server on 127.0.0.1 (the HTTP receivers, the clock that moves on
and `private_targets` are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller

from tests.delivery.helpers import free_port


class Inbox:
    """aiosmtpd handler: keeps what the server sends."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
