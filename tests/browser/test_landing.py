"""`/` (#22): the landing page a newcomer opens after `make run`, at desktop width and at 390 px, under the site's
Content-Security-Policy; its links lead to the desk, the admin, the demo shop and the API docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agents.demo import DEMO_ACCOUNT
from tests.browser.conftest import SCREENSHOTS, VIEWPORT
from tests.factories import make_account

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolations.push(event.effectiveDirective));
"""


@pytest.fixture
def demo(transactional_db):
    return make_account(name=DEMO_ACCOUNT)


@pytest.mark.parametrize("width", [VIEWPORT["width"], 390])
def test_the_landing_page_links_everything_and_fits(page: Page, live_server, demo, width: int):
    page.set_viewport_size({"width": width, "height": VIEWPORT["height"]})
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/")
    expect(page.get_by_role("heading", name="Secure Messenger")).to_be_visible()
    for name, href in [
        ("Agent desk", "/desk/"),
        ("Admin", "/admin/"),
        ("Demo shop", "/demo/"),
        ("API docs", "/api/docs/"),
        ("API reference", "/api/redoc/"),
    ]:
        expect(page.get_by_role("link", name=name)).to_have_attribute("href", href)
    # Our own style sheet applies (the policy allows it by its nonce), and nothing is wider than the screen.
    expect(page.get_by_role("link", name="Agent desk")).to_have_css("border-radius", "10px")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("window.__cspViolations") == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"landing-{width}.png"), full_page=True)
    # Not followed: the demo page's widget keeps requests open into the test's teardown (a flush that deadlocked with
    # them on PostgreSQL); the hrefs above are what the page promises.
