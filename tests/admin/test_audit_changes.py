"""The audit log records what changed (#22): field, old value, new value, for accounts (and their push settings),
agents and their memberships, API keys, webhooks and customers; a secret as "changed", never its value. The log
is shown readably and only to the accounts' own staff."""

from __future__ import annotations

import pytest
from django.test import Client

from agents.audit_changes import SECRET_CHANGED, changes_between
from agents.models import Account, AuditEntry, Membership, PushSettings, User
from agents.services import account_secret_rotate, audit_record
from devices.services import customer_api_save, customer_desk_edit
from tests.admin.forms import change_form_data
from tests.factories import make_account, make_agent, make_registered_customer, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha() -> Account:
    return make_account(name="Alpha")


@pytest.fixture
def bravo() -> Account:
    return make_account(name="Bravo")


@pytest.fixture
def boss(client: Client, alpha: Account, bravo: Account) -> User:
    """Alpha's admin (every permission); the client is signed in as them."""
    user = make_staff("boss", alpha)
    client.force_login(user)
    return user


def _save(client: Client, url: str, **changes) -> None:
    data = change_form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)


def _errors(response):
    if not response.context or "adminform" not in response.context:
        return response
    inlines = [inline.formset.errors for inline in response.context["inline_admin_formsets"]]
    non_form = [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]]
    return response.context["adminform"].form.errors, inlines, non_form


def test_an_account_change_records_each_field_with_old_and_new_value(client, boss, alpha):
    url = f"/admin/agents/account/{alpha.pk}/change/"

    _save(client, url, nav_background_color="c0392b", welcome_message="Hello there")

    entry = AuditEntry.objects.get(action="change account")
    assert (entry.actor, entry.account, entry.target) == (boss, alpha, "Alpha")
    assert entry.changes == {"nav_background_color": ["415581", "c0392b"], "welcome_message": ["", "Hello there"]}


def test_push_secrets_are_recorded_as_changed_never_their_values(client, boss, alpha):
    PushSettings.objects.create(account=alpha, apns_team_id="TEAM000001")
    url = f"/admin/agents/account/{alpha.pk}/change/"
    pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----"

    _save(
        client,
        url,
        **{"push_settings-0-apns_private_key": pem, "push_settings-0-apns_team_id": "TEAM000002"},
    )

    entry = AuditEntry.objects.get(action="change push settings")
    assert entry.account == alpha
    assert entry.changes == {"apns_private_key": SECRET_CHANGED, "apns_team_id": ["TEAM000001", "TEAM000002"]}
    assert "PRIVATE KEY" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_a_rotated_secret_is_recorded_as_changed(alpha, boss):
    old = alpha.shared_secret
    account_secret_rotate(account=alpha, secret="shared_secret", actor=boss)

    entry = AuditEntry.objects.get(action="rotate shared secret")
    assert entry.changes == {"shared_secret": SECRET_CHANGED}
    assert old not in str(entry.changes) and alpha.shared_secret not in str(entry.changes)


def test_audit_record_masks_a_secret_whatever_the_caller_passed(alpha):
    entry = audit_record(actor=None, action="x", account=alpha, changes={"webhook_secret": ["whsec_a", "whsec_b"]})
    assert entry.changes == {"webhook_secret": SECRET_CHANGED}
    # and stays backward compatible: no changes, an empty record
    assert audit_record(actor=None, action="erase customer", account=alpha, target="customer x").changes == {}


def test_an_agent_and_its_membership_changes_are_recorded(client, boss, alpha):
    agent = make_agent(account=alpha)
    url = f"/admin/agents/agent/{agent.pk}/change/"
    data = change_form_data(client.get(url))
    [prefix] = {key.rsplit("-", 1)[0] for key in data if key.endswith("-role")}

    _save(client, url, display_name="Renamed Agent", **{f"{prefix}-role": Membership.Role.ADMIN})

    change = AuditEntry.objects.get(action="change agent")
    assert (change.account, change.changes) == (alpha, {"display_name": [agent.display_name, "Renamed Agent"]})
    membership = AuditEntry.objects.get(action="change membership")
    assert (membership.account, membership.changes) == (alpha, {"role": ["agent", "admin"]})


def test_an_api_key_rename_and_revocation_are_recorded(client, boss, alpha):
    client.post("/admin/agents/apikey/add/", {"account": alpha.pk, "name": "backend"})
    key = alpha.api_keys.get()
    _save(client, f"/admin/agents/apikey/{key.pk}/change/", name="backend 2")
    client.post("/admin/agents/apikey/", {"action": "revoke", "_selected_action": [key.pk]})

    renamed = AuditEntry.objects.get(action="change API key")
    assert renamed.changes == {"name": ["backend", "backend 2"]}
    revoked = AuditEntry.objects.get(action="revoke API key")
    assert revoked.changes["revoked_at"][0] is None and revoked.changes["revoked_at"][1]


def test_customer_edits_record_old_and_new_values(alpha, boss):
    customer = make_registered_customer(account=alpha)
    customer_desk_edit(customer=customer, user=boss, changes={"emails": ["new@example.com"], "note": "VIP"})
    customer_api_save(account=alpha, customer=customer, changes={"name": "Ada Lovelace"}, by="key sk_live_abcd")

    desk = AuditEntry.objects.get(action__startswith="edit customer: email")
    assert desk.changes["email"] == ["", "new@example.com"] and desk.changes["note"] == ["", "VIP"]
    api = AuditEntry.objects.get(action__startswith="edit customer: name")
    assert api.changes["name"][1] == "Ada Lovelace"


def test_the_log_shows_field_old_and_new_and_only_to_its_accounts_staff(client, boss, alpha, bravo):
    audit_record(actor=None, action="change account", account=alpha, target="Alpha", changes={"font": [1, 2]})
    audit_record(
        actor=None, action="change account", account=bravo, target="Bravo", changes={"telephone": ["1", "+31 555 777"]}
    )

    page = client.get("/admin/agents/auditentry/").content.decode()
    assert "1 → 2" in page and "+31 555 777" not in page and "Bravo" not in page
    [entry] = AuditEntry.objects.filter(account=alpha, action="change account")
    detail = client.get(f"/admin/agents/auditentry/{entry.pk}/change/").content.decode()
    assert "font" in detail and "1 → 2" in detail
    other = AuditEntry.objects.get(account=bravo)
    assert client.get(f"/admin/agents/auditentry/{other.pk}/change/").status_code == 302  # "does not exist"
    filtered = client.get("/admin/agents/auditentry/", {"q": "Alpha"}).content.decode()
    assert "1 → 2" in filtered


def test_changes_between_leaves_equal_values_out():
    assert changes_between({"a": 1, "b": "x"}, {"a": 1, "b": "y"}) == {"b": ["x", "y"]}
    assert changes_between({"oauth_client_secret": "s1"}, {"oauth_client_secret": "s2"}) == {
        "oauth_client_secret": SECRET_CHANGED
    }


def test_a_password_set_in_the_admin_is_recorded_as_changed(client, boss, alpha):
    agent = make_agent(account=alpha)
    response = client.post(
        f"/admin/agents/user/{agent.user.pk}/password/",
        {"password1": "A-new-long-passw0rd", "password2": "A-new-long-passw0rd", "usable_password": "true"},
    )

    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="change password")
    assert (entry.account, entry.changes) == (alpha, {"password": SECRET_CHANGED})
    assert "A-new-long" not in str(AuditEntry.objects.values_list("changes", flat=True))


def test_an_erased_customers_audited_values_are_erased_too(alpha, bravo, boss):
    from conversations.services.erasure import customer_erase

    customer = make_registered_customer(account=alpha)
    other = make_registered_customer(account=alpha)
    customer_desk_edit(customer=customer, user=boss, changes={"emails": ["ada@example.com"], "note": "VIP"})
    customer_api_save(account=alpha, customer=customer, changes={"name": "Ada Lovelace"}, by="key sk_live_abcd")
    customer_desk_edit(customer=other, user=boss, changes={"note": "kept"})

    customer_erase(customer=customer, actor=boss)

    entries = AuditEntry.objects.filter(target__startswith=f"customer {customer.uuid}", action__startswith="edit")
    assert [entry.changes for entry in entries.order_by("pk")] == [
        {"email": "erased", "note": "erased"},
        {"name": "erased"},
    ]
    assert "ada@example.com" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))
    assert AuditEntry.objects.get(target=f"customer {other.uuid}").changes == {"note": ["", "kept"]}
