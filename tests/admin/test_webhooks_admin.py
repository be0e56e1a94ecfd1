"""Webhooks in the admin (#22): added (the secret shown once), edited, turned off and on, and pinged — a real
Delivery in the deliveries list — through the integration API's own services; the URL checked by the
outgoing-URL policy; every change audited; nothing of another tenant seen, chosen or pinged."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from agents.audit_changes import SECRET_CHANGED
from agents.delivery.webhooks import MAX_WEBHOOKS
from agents.models import Account, AuditEntry, Delivery, User, Webhook
from tests.admin.forms import change_form_data
from tests.factories import make_account, make_staff

pytestmark = pytest.mark.django_db

ADD = "/admin/agents/webhook/add/"
# A public address literal: the outgoing-URL policy resolves a name, and the tests must not need DNS.
PUBLIC = "https://93.184.215.14"


@pytest.fixture(autouse=True)
def public_targets_only(settings):
    """The production policy: https to public addresses only (tests/conftest.py may allow private ones)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


@pytest.fixture
def alpha() -> Account:
    return make_account(name="Alpha")


@pytest.fixture
def bravo() -> Account:
    return make_account(name="Bravo")


@pytest.fixture
def boss(client: Client, alpha: Account, bravo: Account) -> User:
    user = make_staff("boss", alpha)
    client.force_login(user)
    return user


@pytest.fixture
def bravo_hook(bravo: Account) -> Webhook:
    return Webhook.objects.create(account=bravo, url="https://bravo.example.com/hook", events=["message.created"])


def _add(client, account, url=PUBLIC + "/in", events=("message.created", "ping"), **extra):
    data = {"account": account.pk, "url": url, "events": list(events), "sender_kinds": ["customer"], "active": "on"}
    return client.post(ADD, {**data, **extra}, follow=True)


def test_a_webhook_added_in_the_admin_shows_its_secret_once_and_is_audited(client, boss, alpha):
    response = _add(client, alpha, description="CRM")

    webhook = Webhook.objects.get(account=alpha)
    assert (webhook.url, webhook.events, webhook.sender_kinds, webhook.active) == (
        PUBLIC + "/in",
        ["message.created", "ping"],
        ["customer"],
        True,
    )
    [shown] = [str(m) for m in get_messages(response.wsgi_request) if "secret" in str(m)]
    assert re.search(r"<code>(whsec_[\w-]+)</code>", shown).group(1) == webhook.secret
    assert webhook.secret not in client.get(f"/admin/agents/webhook/{webhook.pk}/change/").content.decode()
    entry = AuditEntry.objects.get(action="create webhook")
    assert (entry.actor, entry.account) == (boss, alpha)
    assert entry.changes["url"] == [None, webhook.url] and entry.changes["secret"] == SECRET_CHANGED
    assert webhook.secret not in str(entry.changes)


@pytest.mark.parametrize(
    "url",
    ["http://93.184.215.14/in", "https://127.0.0.1/in", "https://10.0.0.5/in", "not a url"],
)
def test_a_url_the_outgoing_policy_refuses_is_a_field_error_and_nothing_is_saved(client, boss, alpha, url):
    response = _add(client, alpha, url=url)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"]
    assert not Webhook.objects.exists()
    assert not AuditEntry.objects.filter(action="create webhook").exists()


def test_no_events_is_a_field_error(client, boss, alpha):
    response = _add(client, alpha, events=())
    assert "events" in response.context["adminform"].form.errors
    assert not Webhook.objects.exists()


def test_an_eleventh_webhook_is_refused_with_a_message(client, boss, alpha):
    for n in range(MAX_WEBHOOKS):
        Webhook.objects.create(account=alpha, url=f"{PUBLIC}/{n}", events=["ping"])
    response = _add(client, alpha)
    assert f"at most {MAX_WEBHOOKS} webhooks" in response.content.decode()
    assert Webhook.objects.filter(account=alpha).count() == MAX_WEBHOOKS


def test_an_edit_and_turning_off_and_on_are_audited_with_old_and_new(client, boss, alpha):
    _add(client, alpha)
    webhook = Webhook.objects.get()
    url = f"/admin/agents/webhook/{webhook.pk}/change/"
    data = change_form_data(client.get(url))
    data.update({"url": PUBLIC + "/v2", "description": "v2"})
    data.pop("active")  # unticked: off
    assert client.post(url, data).status_code == 302

    webhook.refresh_from_db()
    assert (webhook.url, webhook.active) == (PUBLIC + "/v2", False)
    change = AuditEntry.objects.get(action="change webhook")
    assert change.changes == {
        "url": [PUBLIC + "/in", PUBLIC + "/v2"],
        "description": ["", "v2"],
        "active": [True, False],
    }

    Webhook.objects.filter(pk=webhook.pk).update(disabled_reason="410 Gone")
    client.post("/admin/agents/webhook/", {"action": "turn_on", "_selected_action": [webhook.pk]})
    webhook.refresh_from_db()
    assert (webhook.active, webhook.disabled_reason) == (True, "")
    assert AuditEntry.objects.filter(action="change webhook").count() == 2


def test_the_test_ping_is_a_delivery_in_the_deliveries_list(client, boss, alpha):
    _add(client, alpha)
    webhook = Webhook.objects.get()

    response = client.post(f"/admin/agents/webhook/{webhook.pk}/ping/", follow=True)

    delivery = Delivery.objects.get(webhook=webhook)
    assert (delivery.kind, delivery.event_type, delivery.target, delivery.account) == (
        Delivery.Kind.WEBHOOK,
        "ping",
        webhook.url,
        alpha,
    )
    assert delivery.payload["data"] == {"webhookId": webhook.pk}
    assert response.redirect_chain[-1][0].startswith("/admin/agents/delivery/")
    assert delivery.event_id in response.content.decode() or str(delivery.pk) in response.content.decode()
    page = client.get("/admin/agents/delivery/").content.decode()
    assert "93.184.215.14/in" in page

    client.post("/admin/agents/webhook/", {"action": "send_test_ping", "_selected_action": [webhook.pk]})
    assert Delivery.objects.filter(webhook=webhook, event_type="ping").count() == 2


def test_the_change_page_has_the_ping_button(client, boss, alpha):
    _add(client, alpha)
    webhook = Webhook.objects.get()
    page = client.get(f"/admin/agents/webhook/{webhook.pk}/change/").content.decode()
    assert f"/admin/agents/webhook/{webhook.pk}/ping/" in page and "Send a test ping" in page


def test_a_ping_is_post_only(client, boss, alpha):
    _add(client, alpha)
    webhook = Webhook.objects.get()
    assert client.get(f"/admin/agents/webhook/{webhook.pk}/ping/").status_code == 405
    assert not Delivery.objects.exists()


# --- tenancy: a staff user of another tenant ------------------------------------------------------------------


def test_another_tenants_webhook_is_neither_listed_opened_nor_pinged(client, boss, alpha, bravo_hook):
    assert "bravo.example.com" not in client.get("/admin/agents/webhook/").content.decode()
    assert client.get(f"/admin/agents/webhook/{bravo_hook.pk}/change/").status_code == 302  # "does not exist"
    assert client.post(f"/admin/agents/webhook/{bravo_hook.pk}/ping/").status_code == 404
    client.post("/admin/agents/webhook/", {"action": "send_test_ping", "_selected_action": [bravo_hook.pk]})
    client.post("/admin/agents/webhook/", {"action": "turn_off", "_selected_action": [bravo_hook.pk]})
    assert not Delivery.objects.exists()
    bravo_hook.refresh_from_db()
    assert bravo_hook.active


def test_the_account_choice_lists_only_the_tenants_accounts(client, boss, alpha, bravo):
    form = client.get(ADD).context["adminform"].form
    assert list(form.fields["account"].queryset) == [alpha]

    response = _add(client, bravo)

    assert "account" in response.context["adminform"].form.errors
    assert not Webhook.objects.filter(account=bravo).exists()


def test_a_plain_member_sees_but_neither_adds_nor_pings(client, alpha, bravo):
    member = make_staff("member", alpha, role="agent")
    hook = Webhook.objects.create(account=alpha, url="https://alpha.example.com/hook", events=["ping"])
    client.force_login(member)

    assert "alpha.example.com" in client.get("/admin/agents/webhook/").content.decode()
    assert client.get(ADD).status_code == 403
    assert client.post(f"/admin/agents/webhook/{hook.pk}/ping/").status_code == 404
    assert not Delivery.objects.exists()
