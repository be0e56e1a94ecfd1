"""The API's documentation pages (Swagger UI and Redoc) in Chromium: every request they make, scripts, styles,
fonts, images, the schema and Redoc's search worker, stays on this server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

# The browser tests' Chromium setup (Debian's chromium, the live server as base URL).
from tests.browser.conftest import (  # noqa: F401  (fixtures, registered here by their import)
    base_url,
    browser_context_args,
    browser_type_launch_args,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Traffic:
    """What a page asked for: the requests that got an answer, and those refused before they left (with why)."""

    def __init__(self, page: Page):
        self.answered: list[str] = []
        self.refused: list[tuple[str, str]] = []
        page.on("requestfinished", lambda request: self.answered.append(request.url))
        page.on("requestfailed", lambda request: self.refused.append((request.url, request.failure or "")))


def _elsewhere(url: str, server: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in ("data", "blob") and parts.netloc != server


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/api/docs/", lambda page: expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)),
        (
            "/api/redoc/",
            lambda page: expect(page.get_by_role("heading", name="Secure Messenger API", level=1)).to_be_visible(
                timeout=15000
            ),
        ),
    ],
    ids=["swagger", "redoc"],
)
def test_the_docs_pages_request_nothing_from_another_host(page: Page, live_server, path, ready):
    traffic = Traffic(page)

    page.goto(path)
    ready(page)
    page.wait_for_load_state("networkidle")

    server = urlsplit(live_server.url).netloc
    assert any(url.endswith(".js") for url in traffic.answered), traffic.answered
    assert [url for url in traffic.answered if _elsewhere(url, server)] == []
    # Redoc's footer asks for its logo at cdn.redoc.ly: the page's policy stops it in the browser.
    assert [(url, why) for url, why in traffic.refused if why not in ("csp", "net::ERR_BLOCKED_BY_CSP")] == []
