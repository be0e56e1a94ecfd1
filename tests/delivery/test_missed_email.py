"""Missed-message email: a customer with an email address (registered, or an anonymous visitor who gave one) who has
not seen an agent's message within the account's delay gets one email per burst, through a real SMTP server on
127.0.0.1."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.db import transaction

from agents.models import Delivery
from conversations.services import message_post
from devices.models import Customer
from tests.delivery.helpers import deliveries
from tests.factories import make_conversation, make_customer, make_registered_customer
from tests.integration.helpers import App

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ann(account) -> Customer:
    customer = make_registered_customer(account=account, fk_id="ann")
    Customer.objects.filter(pk=customer.pk).update(email="ann@example.com", first_name="Ann")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def chat(account, ann):
    return make_conversation(account=account, customers=[ann])


def reply(conversation, agent, text: str):
    with transaction.atomic():
        return message_post(conversation=conversation, author=agent, text=text)


def parsed(envelope):
    mail = message_from_bytes(envelope.content)
    return str(make_header(decode_header(mail["Subject"]))), mail.get_payload(decode=True).decode()


def test_not_seen_in_time_one_email_with_the_messages_and_a_link(account, ann, chat, agent, smtp_inbox, later):
    account.chat_url = "https://shop.example/help"
    account.save()
    reply(chat, agent, "Your order has shipped")
    reply(chat, agent, "Track it with code 42")  # the same burst: no second email

    before = later(minutes=9)
    after = later(minutes=1, seconds=1)

    assert (before, after) == (0, 1)
    [envelope] = smtp_inbox.messages
    subject, body = parsed(envelope)
    assert envelope.rcpt_tos == ["ann@example.com"]
    assert subject == f"{account.name} sent you 2 messages"
    assert "Hello Ann," in body
    assert "Your order has shipped" in body and "Track it with code 42" in body
    assert f"{agent.display_name}, " in body
    assert "Read and answer them here: https://shop.example/help" in body
    assert [(d.kind, d.status) for d in deliveries()] == [("email", "delivered")]


def test_seen_in_time_no_email(account, ann, chat, agent, smtp_inbox, later, client):
    app = App(client=client, account=account, device_id="ann-phone-0001", subject="ann").register()
    message = reply(chat, agent, "Your order has shipped")
    seen = client.put(
        "/clientApi/v1.9/messages/status/4",
        data=json.dumps({"messageIds": [message.pk]}),
        content_type="application/json",
        headers=app.headers(),
    )

    later(minutes=11)

    assert seen.status_code == 200
    assert smtp_inbox.messages == []
    [delivery] = deliveries()
    assert (delivery.status, delivery.last_error) == ("cancelled", "Seen in time: no email.")


def test_a_new_burst_after_the_email_gets_its_own(account, ann, chat, agent, smtp_inbox, later):
    reply(chat, agent, "first")
    later(minutes=11)
    reply(chat, agent, "second")
    later(minutes=11)

    bodies = [parsed(envelope)[1] for envelope in smtp_inbox.messages]
    assert len(bodies) == 2
    assert "first" in bodies[0] and "second" not in bodies[0]
    assert "second" in bodies[1] and "first" not in bodies[1]


def test_no_email_for_anonymous_customers_nor_when_the_account_turned_it_off(account, agent, smtp_inbox, later):
    anonymous = make_customer(account=account)
    reply(make_conversation(account=account, customers=[anonymous]), agent, "hello")
    account.missed_message_email_minutes = 0
    account.save()
    ann = make_registered_customer(account=account, fk_id="ann")
    Customer.objects.filter(pk=ann.pk).update(email="ann@example.com")
    reply(make_conversation(account=account, customers=[ann]), agent, "hello")

    later(minutes=30)

    assert (smtp_inbox.messages, Delivery.objects.filter(kind="email").count()) == ([], 0)


def test_an_anonymous_visitor_whose_app_told_an_email_address_gets_the_email(account, agent, smtp_inbox, later):
    visitor = make_customer(account=account)
    Customer.objects.filter(pk=visitor.pk).update(profile={"email": " visitor@example.com", "name": "Vera"})
    stranger = make_customer(account=account)  # an address that is no address: no email
    Customer.objects.filter(pk=stranger.pk).update(profile={"email": "not an address"})
    reply(make_conversation(account=account, customers=[visitor]), agent, "We found your parcel")
    reply(make_conversation(account=account, customers=[stranger]), agent, "We found yours too")

    sent = later(minutes=11)

    assert sent == 1
    [envelope] = smtp_inbox.messages
    assert envelope.rcpt_tos == ["visitor@example.com"]
    assert "We found your parcel" in parsed(envelope)[1]


def test_a_mail_server_that_is_down_is_retried(account, ann, chat, agent, smtp_inbox, later, settings):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    reply(chat, agent, "Your order has shipped")
    later(minutes=11)
    failed_once = deliveries()[0]
    settings.EMAIL_PORT = port

    later(minutes=1)

    assert (failed_once.status, failed_once.attempts) == ("pending", 1)
    assert len(smtp_inbox.messages) == 1
