"""The address of the client a request comes from: the connecting address, or behind our reverse proxy the one the
proxy saw (the last entry of `X-Forwarded-For`, which the proxy appends; entries before it are the client's word)."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.BEHIND_PROXY:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or remote
