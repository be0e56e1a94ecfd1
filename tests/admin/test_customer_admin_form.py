"""The customer's admin page (#22): lists and dicts edited as lines and key/value rows (never raw JSON), a bad
email a field error with nothing saved, each change audited with old and new values under the customer's id — so
that an erasure blanks them."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.models import Account, AuditEntry, User
from conversations.services.erasure import customer_erase
from devices.models import Customer
from devices.services import customer_create
from tests.admin.forms import change_form_data
from tests.admin.test_form_widgets import RAW_JSON
from tests.factories import make_account, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha() -> Account:
    return make_account(name="Alpha")


@pytest.fixture
def boss(client: Client, alpha: Account) -> User:
    user = make_staff("boss", alpha)
    client.force_login(user)
    return user


@pytest.fixture
def ann(alpha: Account) -> Customer:
    return customer_create(
        account=alpha,
        registered=True,
        name="Ann Lee",
        email="ann@example.com",
        extra_emails=["ann.lee@work.example"],
        custom_data={"plan": "gold"},
        profile={"jobTitle": "Buyer"},
    )


def _url(customer: Customer) -> str:
    return f"/admin/devices/customer/{customer.pk}/change/"


def test_the_customer_page_shows_no_raw_json(client, boss, alpha):
    empty = customer_create(account=alpha, registered=False)

    page = client.get(_url(empty)).content.decode()

    assert RAW_JSON.search(page) is None


def test_lists_and_rows_are_saved_and_the_change_audited_by_id(client, boss, ann):
    data = change_form_data(client.get(_url(ann)))
    data["extra_emails"] = "ann.lee@work.example\n\nann@home.example\n"
    data["custom_data-key"] = ["plan", "region"]
    data["custom_data-value"] = ["platinum", "north"]

    response = client.post(_url(ann), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    ann.refresh_from_db()
    assert ann.extra_emails == ["ann.lee@work.example", "ann@home.example"]
    assert ann.custom_data == {"plan": "platinum", "region": "north"}
    assert ann.profile == {"jobTitle": "Buyer"}
    entry = AuditEntry.objects.get(action="change customer")
    assert (entry.actor, entry.account, entry.target) == (boss, ann.account, f"customer {ann.uuid}")
    assert entry.changes["extra_emails"] == [["ann.lee@work.example"], ["ann.lee@work.example", "ann@home.example"]]
    assert entry.changes["custom_data"] == [{"plan": "gold"}, {"plan": "platinum", "region": "north"}]
    assert "Ann Lee" not in str(entry)


def test_a_bad_email_line_is_a_field_error_and_nothing_is_saved(client, boss, ann):
    data = change_form_data(client.get(_url(ann)))
    data["extra_emails"] = "fine@example.com\nnot an email"
    data["name"] = "Someone else"

    response = client.post(_url(ann), data)

    assert response.status_code == 200
    assert "extra_emails" in response.context["adminform"].form.errors
    ann.refresh_from_db()
    assert (ann.name, ann.extra_emails) == ("Ann Lee", ["ann.lee@work.example"])
    assert not AuditEntry.objects.filter(action="change customer").exists()


def test_an_erasure_blanks_the_values_of_the_admins_audit_entries(client, boss, ann):
    data = change_form_data(client.get(_url(ann)))
    data["email"] = "ann.new@example.com"
    assert client.post(_url(ann), data).status_code == 302

    customer_erase(customer=ann, actor=boss)

    entry = AuditEntry.objects.get(action="change customer")
    assert "ann" not in str(entry.changes).lower()
    assert set(entry.changes) == {"email"}
