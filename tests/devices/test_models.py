"""Device constraints: the model validation and, behind it, the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from devices.models import Device
from tests.factories import make_customer, make_device

pytestmark = pytest.mark.django_db

NINE_CHARACTERS = "123456789"


def _error_codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_database_refuses_a_second_device_with_the_same_id_in_an_account(account, customer):
    make_device(customer=customer, device_id="device-0000000001")
    someone_else = make_customer(account=account)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_device(customer=someone_else, device_id="device-0000000001")

    assert list(Device.objects.filter(account=account).values_list("customer_id", flat=True)) == [customer.pk]


def test_full_clean_refuses_a_second_device_with_the_same_id_in_an_account(account, customer):
    make_device(customer=customer, device_id="device-0000000001")
    duplicate = Device(account=account, customer=make_customer(account=account), device_id="device-0000000001")

    with pytest.raises(ValidationError) as refused:
        duplicate.full_clean()

    assert _error_codes(refused.value) == {"__all__": ["unique_together"]}


def test_full_clean_refuses_a_device_id_of_nine_characters(account, customer):
    device = Device(account=account, customer=customer, device_id=NINE_CHARACTERS)

    with pytest.raises(ValidationError) as refused:
        device.full_clean()

    assert _error_codes(refused.value) == {"device_id": ["min_length"]}


def test_database_refuses_a_device_id_of_nine_characters(account, customer):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_device(customer=customer, device_id=NINE_CHARACTERS)

    assert Device.objects.filter(account=account).exists() is False


def test_a_device_id_of_ten_characters_is_accepted(account, customer):
    device = Device(account=account, customer=customer, device_id="1234567890")

    device.full_clean()
    device.save()

    assert Device.objects.get(account=account).device_id == "1234567890"


def test_the_same_device_id_may_be_used_in_two_accounts(customer, other_account):
    stranger = make_customer(account=other_account)
    make_device(customer=customer, device_id="device-0000000001")
    twin = Device(account=other_account, customer=stranger, device_id="device-0000000001")

    twin.full_clean()
    twin.save()

    assert Device.objects.filter(device_id="device-0000000001").count() == 2
