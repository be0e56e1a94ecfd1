"""Where the server may send requests: the outgoing-URL policy of webhooks, push relays and token endpoints."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def url_problem(url: str) -> str | None:
    """Why the server may not send to `url` (webhooks, push relays, token endpoints), or None: https, and a public
    address unless the self-hosting setting WEBHOOKS_ALLOW_PRIVATE_TARGETS allows private and loopback ones (then
    plain http as well). Checked again at each send; a name that resolves differently between the check and the
    connection (DNS rebinding) is not caught."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return "must use https"
    if not parts.hostname:
        return "has no host"
    if allow_private:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port or 443)}
    except (OSError, UnicodeError):
        return "does not resolve"
    if not all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        return "resolves to a private, loopback or link-local address"
    return None
