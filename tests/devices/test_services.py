"""device_register: anonymous and registered devices (client API §8, seed 000)."""

from __future__ import annotations

import pytest

from conversations.models import Receipt
from devices.models import Customer, Device
from messenger_project.errors import ServiceError
from tests.factories import make_account, make_conversation, make_registered_customer, post, register_device

pytestmark = pytest.mark.django_db


def test_an_anonymous_registration_creates_a_customer_and_a_device(account):
    device = register_device(account=account, device_id="device-0000000001", push_token="token-1", push_type=6)

    customer = Customer.objects.get(account=account)
    assert (customer.registered, customer.source, customer.number) == (False, "app", 1)
    assert Device.objects.get(account=account) == device
    assert (device.customer, device.device_id, device.push_token, device.push_type) == (
        customer,
        "device-0000000001",
        "token-1",
        6,
    )


def test_registering_again_anonymously_is_idempotent(account):
    first = register_device(account=account, device_id="device-0000000001")

    again = register_device(account=account, device_id="device-0000000001")

    assert (again.pk, again.customer_id) == (first.pk, first.customer_id)
    assert Customer.objects.filter(account=account).count() == 1
    assert Device.objects.filter(account=account).count() == 1


def test_registering_the_device_id_of_an_anonymous_customer_merges_it(account, registered_customer, agent):
    anonymous = register_device(account=account, device_id="device-0000000001").customer
    message = post(make_conversation(account=account, customers=[anonymous]), anonymous)

    device = register_device(account=account, device_id="device-0000000001", as_customer=registered_customer)

    anonymous.refresh_from_db()
    assert device.customer == registered_customer
    assert anonymous.merged_into == registered_customer
    assert list(Receipt.objects.filter(message=message).values_list("customer_id", flat=True)) == [
        registered_customer.pk
    ]
    assert Customer.objects.filter(account=account).count() == 2


def test_a_registered_device_coming_back_anonymous_is_refused_and_loses_its_push_token(account, registered_customer):
    register_device(
        account=account, device_id="device-0000000001", as_customer=registered_customer, push_token="t-1", push_type=6
    )

    with pytest.raises(ServiceError) as refused:
        register_device(account=account, device_id="device-0000000001")

    assert (refused.value.code, refused.value.status_code, refused.value.extra_codes) == (
        "device_requires_authorization",
        400,
        ("device_not_registered",),
    )
    device = Device.objects.get(account=account)
    assert (device.customer, device.push_token, device.push_type) == (registered_customer, "", None)
    assert Customer.objects.filter(account=account).count() == 1


def test_an_account_requiring_authorization_refuses_a_new_anonymous_device():
    account = make_account(authorization_required=True)

    with pytest.raises(ServiceError) as refused:
        register_device(account=account, device_id="device-0000000001")

    assert (refused.value.code, refused.value.status_code) == ("authorization_not_valid", 401)
    assert Customer.objects.filter(account=account).exists() is False
    assert Device.objects.filter(account=account).exists() is False


def test_an_account_requiring_authorization_refuses_a_known_anonymous_device(account):
    # Client API §9: with authorizationRequired, *any* anonymous POST devices gets 401.
    register_device(account=account, device_id="device-0000000001")
    account.authorization_required = True
    account.save(update_fields=["authorization_required"])

    with pytest.raises(ServiceError) as refused:
        register_device(account=account, device_id="device-0000000001")

    assert (refused.value.code, refused.value.status_code) == ("authorization_not_valid", 401)


def test_a_push_token_registered_on_a_second_device_is_cleared_from_the_first(account):
    first = register_device(account=account, device_id="device-0000000001", push_token="token-1", push_type=6)

    second = register_device(account=account, device_id="device-0000000002", push_token="token-1", push_type=6)

    first.refresh_from_db()
    assert (first.push_token, first.push_type) == ("", None)
    assert (second.push_token, second.push_type) == ("token-1", 6)


def test_a_device_of_customer_a_registered_as_customer_b_is_rebound_without_merging(account, agent):
    customer_a = make_registered_customer(account=account, fk_id="customer-a")
    customer_b = make_registered_customer(account=account, fk_id="customer-b")
    register_device(account=account, device_id="device-0000000001", as_customer=customer_a)
    conversation = make_conversation(account=account, customers=[customer_a])
    messages = [post(conversation, customer_a), post(conversation, agent)]

    device = register_device(account=account, device_id="device-0000000001", as_customer=customer_b)

    customer_a.refresh_from_db()
    assert device.customer == customer_b
    assert customer_a.merged_into is None
    assert sorted(Receipt.objects.filter(customer=customer_a).values_list("message_id", flat=True)) == [
        m.pk for m in messages
    ]
    assert Receipt.objects.filter(customer=customer_b).exists() is False
    assert list(conversation.participants.values_list("customer_id", flat=True)) == [customer_a.pk]
