"""Fixtures of the browser tests: Debian's chromium (never a downloaded browser) driving the desk on pytest-django's
live server, an agent signed in through a session cookie, and customers' apps calling the client API over HTTP."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page

from agents.models import Account, Agent
from agents.services import agent_create
from tests.browser.helpers import CustomerApp
from tests.factories import make_account

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
_devices = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not executable:
        pytest.fail(
            "The browser tests drive Debian's chromium: install it (apt-get install chromium) or set CHROMIUM_PATH. "
            "They never download a browser.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Pages resolve paths (`page.goto("/desk/")`) against the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT}


@pytest.fixture
def account(transactional_db) -> Account:
    return make_account(name="Shop")


@pytest.fixture
def other_account(transactional_db) -> Account:
    return make_account(name="Other shop")


@pytest.fixture
def desk_agent(account: Account) -> Agent:
    return agent_create(
        username="sanne", display_name="Sanne de Vries", password="correct horse battery", accounts={account: "agent"}
    )


def sign_in(page: Page, agent: Agent, base_url: str) -> Page:
    """The agent's browser carries the session cookie of a login (as after the admin's login form)."""
    client = Client()
    client.force_login(agent.user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
    return page


@pytest.fixture
def desk(page: Page, live_server, desk_agent: Agent) -> Page:
    """A page whose context is signed in as `desk_agent`."""
    return sign_in(page, desk_agent, live_server.url)


@pytest.fixture
def new_app(live_server, account: Account):
    """Registers a new web SDK install of `account` (an anonymous customer) and returns it."""

    def install(of: Account = account) -> CustomerApp:
        return CustomerApp(
            base_url=live_server.url, identification=of.identification, device_id=f"web-device-{next(_devices):06d}"
        ).register()

    return install


def screenshot(page: Page, name: str) -> Path:
    """A 1280×800 picture of the page under tests/browser/screenshots/ (git-ignored), for a person to look at."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
