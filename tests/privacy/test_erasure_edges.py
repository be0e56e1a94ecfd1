"""Edges of the data-protection tools found by a hostile review (#22): an erased customer's message pushed to
another customer, a rating quoted in a conversation merged since, a device deleted on the customer's admin page,
and retention policies that must not stop other accounts' runs."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from agents.models import RETENTION_DAYS_MAX, Account, AuditEntry, Delivery
from conversations.models import Conversation, Message
from conversations.services import participant_add
from conversations.services.erasure import ERASED_TEXT, customer_erase
from conversations.services.merging import conversation_merge
from conversations.services.retention import retention_apply
from devices.models import Device
from tests.admin.forms import change_form_data
from tests.factories import make_account, make_conversation, make_customer, make_device, post
from tests.privacy.conftest import staff

pytestmark = pytest.mark.django_db


def test_her_message_pushed_to_another_customer_is_scrubbed_and_not_sent(account):
    bob, ann = make_customer(account=account, name="Bob"), make_customer(account=account, name="Ann")
    make_device(customer=bob, push_type=Device.PushType.FCM, push_token="tok-bob")
    conversation = make_conversation(account=account, customers=[bob])
    participant_add(conversation=conversation, customer=ann)
    message = post(conversation, ann, "ANN SECRET 5 Elm Street")
    pushes = Delivery.objects.filter(reference=f"message:{message.pk}").exclude(kind=Delivery.Kind.WEBHOOK)
    assert "ANN SECRET" in json.dumps(list(pushes.values_list("payload", flat=True)))

    customer_erase(customer=ann, actor=None)

    assert pushes.exists()
    assert "ANN SECRET" not in json.dumps(list(pushes.values_list("payload", flat=True)))
    assert set(pushes.values_list("status", flat=True)) == {Delivery.Status.CANCELLED}


def test_a_rating_quoted_in_a_conversation_merged_since_is_erased_too(story, account):
    target = make_conversation(account=account, customers=[story.customer])
    conversation_merge(source=story.conversation, target=target)

    customer_erase(customer=story.customer, actor=None)

    lines = list(Message.objects.filter(custom__action="satisfaction").values_list("text", flat=True))
    assert lines == [f"Rated 4/5: {ERASED_TEXT}"]


def test_a_device_deleted_on_the_customers_admin_page_is_audited_under_the_customer(client, account, story):
    boss = staff("ops-admin", account)
    client.force_login(boss)
    url = f"/admin/devices/customer/{story.customer.pk}/change/"
    page = client.get(url)
    data = change_form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    assert not Device.objects.filter(customer=story.customer).exists()
    entry = AuditEntry.objects.get(action="delete device")
    assert (entry.actor, entry.target) == (boss, f"customer {story.customer.uuid}")


def test_a_retention_policy_is_at_most_a_hundred_years():
    account = make_account()
    account.retention_days = RETENTION_DAYS_MAX + 1

    with pytest.raises(ValidationError) as refused:
        account.full_clean()

    assert "retention_days" in refused.value.message_dict


def test_one_accounts_impossible_policy_holds_up_no_other_account(django_capture_on_commit_callbacks):
    # Written past the validators (a raw update): the run neither crashes nor skips the accounts after it.
    broken, kept = make_account(name="Broken"), make_account(name="Kept", retention_days=30)
    Account.objects.filter(pk=broken.pk).update(retention_days=1_000_000)
    old = make_conversation(account=kept)
    Conversation.objects.filter(pk=old.pk).update(status=Conversation.Status.CLOSED, closed_at="2020-01-01T00:00Z")

    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply() == 1

    assert not Conversation.objects.filter(pk=old.pk).exists()
