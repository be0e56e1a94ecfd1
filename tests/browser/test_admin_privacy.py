"""The customer admin's data-protection tools (#22) in a browser: the list fits 1280 px with its search and
filters, a customer's page offers "Export data (ZIP)" and "Erase…", and erasing asks first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from agents.models import Account, AuditEntry
from devices.models import Customer
from tests.browser.conftest import screenshot
from tests.factories import make_conversation, make_customer, make_device, post
from tests.privacy.conftest import staff

pytestmark = pytest.mark.browser


def shoot(page: Page, name: str) -> None:
    """The suite's screenshot, and a copy where a reviewer asked for one (PRIVACY_SHOTS_DIR)."""
    screenshot(page, name)
    target = os.environ.get("PRIVACY_SHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)


@pytest.fixture
def signed_in(page: Page, live_server, account: Account) -> Page:
    client = Client()
    client.force_login(staff("privacy-admin", account))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


@pytest.mark.parametrize("width", [1280, 390])
def test_a_customer_is_erased_after_confirming(signed_in: Page, account: Account, width: int):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    ann = make_customer(account=account, name="Ann Lee", email="ann.lee@example.com", phone="+31612345678")
    for n in range(3):
        make_customer(account=account, name=f"Customer {n}", email=f"c{n}@example.com")
    make_device(customer=ann)
    conversation = make_conversation(account=account, customers=[ann])
    post(conversation, ann, "my address is 5 Elm Street")

    page.goto("/admin/devices/customer/")
    expect(page.get_by_role("link", name="Ann Lee")).to_be_visible()
    if width == 1280:  # every column in view: nothing cut off to the right
        fits = "document.querySelector('#result_list').scrollWidth <= document.querySelector('.results').clientWidth"
        assert page.evaluate(fits)
    shoot(page, f"privacy-customer-list-{width}")
    page.get_by_role("link", name="Ann Lee").click()
    expect(page.get_by_role("link", name="Export data (ZIP)")).to_be_visible()
    shoot(page, f"privacy-customer-tools-{width}")

    page.get_by_role("link", name="Erase…").click()

    expect(page.get_by_role("heading", name="Erase customer")).to_be_visible()
    assert Customer.objects.get(pk=ann.pk).email == "ann.lee@example.com"  # nothing yet
    shoot(page, f"privacy-erase-confirmation-{width}")
    page.get_by_role("button", name="Yes, erase this customer").click()
    expect(page.get_by_text(f"Customer {ann.uuid} was erased.")).to_be_visible()
    shoot(page, f"privacy-erased-{width}")
    ann.refresh_from_db()
    assert (ann.name, ann.email, ann.phone) == ("[erased]", "", "")
    assert AuditEntry.objects.filter(action="erase customer").count() == 1
