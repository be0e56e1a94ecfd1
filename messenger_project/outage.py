"""Outages: the database cannot be reached. Every surface then answers 503 with Retry-After, in its own body (the
client API's envelope, the integration API's error body, a plain page for the desk and the admin), never a 500.

`database_unavailable` is the one predicate; each API's exception handler and `error_pages` ask it. `/readyz`
(health.py) reports the same state to the load balancer in its own way.
"""

from __future__ import annotations

from django import db
from django.http import HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5  # what a client waits before it tries again; a restarting database is back in seconds
_CAUSES_FOLLOWED = 3


def database_unavailable(exc: BaseException | None) -> bool:
    """The connection to the database could not be made, or broke (Django's OperationalError and
    InterfaceError, also as the cause of another error). Not IntegrityError or DataError: those are a bug or bad
    input, and stay a 500 or become a 400 where they are expected."""
    for _ in range(_CAUSES_FOLLOWED):
        if exc is None:
            return False
        if isinstance(exc, db.OperationalError | db.InterfaceError):
            return True
        exc = exc.__cause__
    return False


def unavailable_page() -> HttpResponse:
    """The desk's and the admin's 503: templates/503.html, rendered without the request (its context processors
    would read the session and the user: the database)."""
    page = loader.render_to_string("503.html")
    return HttpResponse(page, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
