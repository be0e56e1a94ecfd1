"""Fixtures of the widget's browser tests: the desk tests' chromium setup (tests/browser/conftest.py) reused, the
demo account that `/demo/` embeds, an agent answering for it, a superuser's admin session."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Page

from agents.demo import DEMO_ACCOUNT
from agents.models import Account, Agent
from agents.services import account_create, agent_create

# The desk tests' setup: Debian's chromium (never a downloaded browser), the live server as base URL and a 1280×800
# viewport. The fresh cache and MEDIA_ROOT under tmp_path (shared with the live server's thread through the
# `settings` fixture) are tests/conftest.py's autouse fixtures.
from tests.browser.conftest import (  # noqa: F401  (fixtures, registered here by their import)
    base_url,
    browser_context_args,
    browser_type_launch_args,
)


@pytest.fixture
def demo_account(transactional_db) -> Account:
    """The account `GET /demo/` embeds (what `manage.py seed_demo` creates), with its default colours."""
    return account_create(name=DEMO_ACCOUNT, welcome_message="Welcome to **Demo Shop**!")


@pytest.fixture
def demo_agent(demo_account: Account) -> Agent:
    return agent_create(username="sanne", display_name="Sanne de Vries", accounts={demo_account: "agent"})


@pytest.fixture
def admin_page(page: Page, live_server, transactional_db, django_user_model) -> Page:
    """A page signed in to the admin as a superuser (the session cookie of a login, as after the login form)."""
    user = django_user_model.objects.create_superuser(username="ops", email="ops@example.com", password="pw-ops-1234")
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return page
