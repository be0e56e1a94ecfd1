"""Canned replies (#19): an account's saved answers with placeholders, rendered by plain replacement."""

from __future__ import annotations

import pytest

from agents.services import agent_create
from conversations.canned import canned_reply_render
from conversations.selectors import canned_replies_for
from conversations.services import canned_reply_delete, canned_reply_save
from devices.models import Customer
from messenger_project.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_render_replaces_the_known_placeholders():
    customer = Customer(name="Ann Smith", first_name="", email="ann@example.com")
    agent = agent_create(username="kim", display_name="Kim")
    text = "Hi {{customer.first_name}} ({{ customer.name }}, {{customer.email}}), {{agent.name}} here."

    assert canned_reply_render(text=text, customer=customer, agent=agent) == (
        "Hi Ann (Ann Smith, ann@example.com), Kim here."
    )


def test_render_leaves_unknown_placeholders_and_empties_missing_values():
    anonymous = Customer(name="", first_name="", last_name="", email="")
    text = "Dear {{customer.name}}{{customer.first_name}}, {{order.id}} {{customer.password}} {% now %} {{agent.name}}"

    assert canned_reply_render(text=text, customer=anonymous, agent=None) == (
        "Dear , {{order.id}} {{customer.password}} {% now %} "
    )
    assert canned_reply_render(text="{{customer.first_name}}", customer=Customer(first_name="Bo"), agent=None) == "Bo"


def test_save_creates_updates_lists_and_deletes(account, other_account):
    refund = canned_reply_save(account=account, shortcut="refund", title="Refund", text="We refunded you.\r\n")
    canned_reply_save(account=account, shortcut="hello_2", text="Hello {{customer.first_name}}")
    canned_reply_save(account=other_account, shortcut="refund", text="Theirs")

    canned_reply_save(account=account, shortcut="refund-done", text="Refunded.", canned_reply=refund)

    assert [(r.shortcut, r.text) for r in canned_replies_for(account=account)] == [
        ("hello_2", "Hello {{customer.first_name}}"),
        ("refund-done", "Refunded."),
    ]
    canned_reply_delete(canned_reply=refund)
    assert [r.shortcut for r in canned_replies_for(account=account)] == ["hello_2"]


@pytest.mark.parametrize("shortcut", ["", "with space", "ünïcode", "x" * 41, "a/b"])
def test_a_shortcut_is_1_to_40_letters_digits_dashes_and_underscores(account, shortcut):
    with pytest.raises(ServiceError) as error:
        canned_reply_save(account=account, shortcut=shortcut, text="Hi")
    assert error.value.code == "invalid_canned_reply" and "shortcut" in error.value.details


def test_a_text_is_needed_and_a_shortcut_is_taken_whatever_its_case(account, other_account):
    with pytest.raises(ServiceError) as empty:
        canned_reply_save(account=account, shortcut="hi", text="   ")
    assert "text" in empty.value.details
    canned_reply_save(account=account, shortcut="Hi", text="Hello")
    with pytest.raises(ServiceError) as taken:
        canned_reply_save(account=account, shortcut="hI", text="Hello again")
    assert (taken.value.code, taken.value.status_code) == ("shortcut_taken", 409)
    mine = canned_replies_for(account=account)[0]
    with pytest.raises(ServiceError):
        canned_reply_save(account=other_account, shortcut="x", text="y", canned_reply=mine)


def test_operators_add_and_change_them_in_the_admin(admin_client, account):
    added = admin_client.post(
        "/admin/conversations/cannedreply/add/",
        {"account": account.pk, "shortcut": "bye", "title": "", "text": "Bye {{customer.first_name}}"},
    )
    assert added.status_code == 302, added.content
    [reply] = canned_replies_for(account=account)
    assert (reply.shortcut, reply.text) == ("bye", "Bye {{customer.first_name}}")

    taken = admin_client.post(
        "/admin/conversations/cannedreply/add/", {"account": account.pk, "shortcut": "BYE", "text": "Again"}
    )
    assert taken.status_code == 200  # the form shows the error
    assert len(canned_replies_for(account=account)) == 1
