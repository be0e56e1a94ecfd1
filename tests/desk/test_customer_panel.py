"""The desk's customer panel: what it shows of the customer, and the agent's edit of name, email, phone and note
(through devices.services.customer_update, as the integration API's upsert; audited; a refusal writes nothing)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agents.models import Account, Agent, AuditEntry
from conversations.models import Conversation
from devices.models import Customer
from tests.desk.helpers import url
from tests.factories import make_agent, make_conversation, make_customer, make_device, post

pytestmark = pytest.mark.django_db


def edit_url(conversation: Conversation, customer: Customer) -> str:
    return reverse("desk:customer-edit", args=[conversation.pk, customer.pk])


def form_data(customer: Customer, **fields: str) -> dict[str, str]:
    values = {"name": customer.name, "email": customer.email, "phone": customer.phone, "note": customer.note}
    return {f"customer-{customer.pk}-{key}": value for key, value in {**values, **fields}.items()}


def stored(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return customer.name, customer.email, customer.phone, customer.note


@pytest.fixture
def ada(account: Account) -> Customer:
    return make_customer(account=account, name="Ada Lovelace", email="ada@example.com", phone="+31201234567")


@pytest.fixture
def chat(account: Account, ada: Customer) -> Conversation:
    conversation = make_conversation(account=account, customers=[ada])
    post(conversation, ada, "Hello?")
    return conversation


def test_an_edit_writes_the_fields_and_an_audit_entry_naming_the_changed_ones(
    desk: Client, agent: Agent, account: Account, ada: Customer, chat: Conversation
):
    response = desk.post(
        edit_url(chat, ada), form_data(ada, email=" ada@lovelace.org ", phone="+31 (20) 765-4321", note="VIP\nCalls")
    )

    assert (response.status_code, response["Location"]) == (302, url("conversation", chat))
    assert stored(ada) == ("Ada Lovelace", "ada@lovelace.org", "+31207654321", "VIP\nCalls")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.account, entry.action) == (agent.user, account, "edit customer: email, phone, note")
    assert entry.target == f"customer {ada.uuid}"
    page = desk.get(url("conversation", chat)).content.decode()
    assert "ada@lovelace.org" in page and "VIP<br>Calls" in page


def test_an_edit_that_changes_nothing_writes_no_audit_entry(desk: Client, ada: Customer, chat: Conversation):
    response = desk.post(edit_url(chat, ada), form_data(ada))

    assert response.status_code == 302
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "This email is not a valid email address."),
        ("phone", "12345", "This phone number must be an E.164 number such as +31201234567."),
    ],
)
def test_a_bad_email_or_phone_is_shown_next_to_its_field_and_nothing_is_written(
    desk: Client, ada: Customer, chat: Conversation, field: str, value: str, message: str
):
    before = stored(ada)

    page = desk.post(edit_url(chat, ada), form_data(ada, name="Changed", **{field: value}))
    fragment = desk.post(
        edit_url(chat, ada), form_data(ada, name="Changed", **{field: value}), headers={"HX-Request": "true"}
    )

    assert page.status_code == 422
    assert fragment.status_code == 200
    for response in (page, fragment):
        html = response.content.decode()
        assert f'id="id_customer-{ada.pk}-{field}_error"' in html
        assert message in html
        assert '<details class="customer-edit" open>' in html
    assert "<html" not in fragment.content.decode()
    assert stored(ada) == before
    assert AuditEntry.objects.count() == 0


def test_an_email_another_customer_holds_is_refused_next_to_the_field(
    desk: Client, account: Account, ada: Customer, chat: Conversation
):
    make_customer(account=account, email="taken@example.com")
    before = stored(ada)

    response = desk.post(edit_url(chat, ada), form_data(ada, email="TAKEN@example.com", note="n"))

    assert response.status_code == 422
    assert "belongs to another user" in response.content.decode()
    assert stored(ada) == before
    assert AuditEntry.objects.count() == 0


def test_the_fragment_answer_is_the_panel_with_what_was_stored(desk: Client, ada: Customer, chat: Conversation):
    response = desk.post(edit_url(chat, ada), form_data(ada, note="Prefers email"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="customer-{ada.pk}"' in html and "Prefers email" in html
    assert "<html" not in html


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_an_agent_of_another_account_gets_a_404_and_nothing_changes(
    client: Client, other_account: Account, ada: Customer, chat: Conversation, role: str
):
    stranger = make_agent(account=other_account, role=role)
    stranger.user.is_staff = True
    stranger.user.save()
    client.force_login(stranger.user)
    before = stored(ada)

    response = client.post(edit_url(chat, ada), form_data(ada, email="evil@example.com", note="pwned"))

    assert response.status_code == 404
    assert stored(ada) == before
    assert AuditEntry.objects.count() == 0


def test_a_customer_of_another_conversation_through_this_ones_url_is_a_404(
    desk: Client, account: Account, other_account: Account, ada: Customer, chat: Conversation
):
    bob = make_customer(account=account, name="Bob")
    post(make_conversation(account=account, customers=[bob]), bob, "Hi")
    carol = make_customer(account=other_account, name="Carol")
    post(make_conversation(account=other_account, customers=[carol]), carol, "Hi")

    for customer in (bob, carol):
        before = stored(customer)
        response = desk.post(edit_url(chat, customer), form_data(customer, note="no"))
        assert response.status_code == 404
        assert stored(customer) == before
    assert AuditEntry.objects.count() == 0


def test_a_get_is_not_allowed(desk: Client, ada: Customer, chat: Conversation):
    assert desk.get(edit_url(chat, ada)).status_code == 405


def test_the_panel_shows_the_page_chatted_from_the_note_device_and_custom_fields(
    desk: Client, account: Account, ada: Customer, chat: Conversation
):
    Customer.objects.filter(pk=ada.pk).update(note="Asked for a refund", custom_data={"plan": "gold"})
    make_device(customer=ada, device_type=3, sdk_version="2.4.1", referrer="https://shop.example.com/device")
    post(chat, ada, "Where is my order?", referrer="https://shop.example.com/orders/42")

    html = desk.get(url("conversation", chat)).content.decode()

    assert "Chatted from" in html
    assert 'href="https://shop.example.com/orders/42"' in html
    assert "shop.example.com/device" not in html  # the latest message's page wins over the device's
    assert "Asked for a refund" in html
    assert "Web 2.4.1" in html
    assert "<dt>plan</dt><dd>gold</dd>" in html


def test_without_a_message_referrer_the_device_one_shows(desk: Client, ada: Customer, chat: Conversation):
    make_device(customer=ada, referrer="https://shop.example.com/cart")

    assert 'href="https://shop.example.com/cart"' in desk.get(url("conversation", chat)).content.decode()


def test_other_conversations_are_only_those_the_agent_may_open(
    desk: Client, account: Account, ada: Customer, chat: Conversation
):
    earlier = make_conversation(account=account, customers=[ada], subject="Earlier order")
    post(earlier, ada, "About my earlier order")
    hidden = make_conversation(account=account, customers=[ada], subject="Hidden one", visible=False)

    html = desk.get(url("conversation", chat)).content.decode()

    assert f'href="{url("conversation", earlier)}"' in html
    assert f'href="{url("conversation", hidden)}"' not in html


def test_the_conversation_page_query_count_does_not_grow_with_the_panel(
    desk: Client, account: Account, ada: Customer, chat: Conversation
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(url("conversation", chat)).status_code == 200
        return len(captured)

    count()  # the first visit also writes the agent's read marker
    few = count()
    for n in range(5):
        other = make_customer(account=account, name=f"Other {n}")
        chat.participants.create(customer=other)
        make_device(customer=other, referrer=f"https://shop.example.com/{n}")
        post(make_conversation(account=account, customers=[ada, other]), other, f"earlier {n}")
        post(chat, other, f"hello {n}", referrer=f"https://shop.example.com/p/{n}")
    count()
    many = count()

    assert Customer.objects.filter(participations__conversation=chat).count() == 6
    assert many == few
