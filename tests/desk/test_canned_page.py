"""The desk's canned replies page: an agent adds, edits and deletes the replies of the accounts they serve; a bad
shortcut is refused next to its field and writes nothing; another tenant's agent neither sees nor touches them."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from agents.models import Account
from conversations.models import CannedReply
from conversations.services import canned_reply_save
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def test_an_agent_adds_edits_and_deletes_a_canned_reply(desk: Client, account: Account):
    response = desk.post(
        reverse("desk:canned"),
        {"account": account.pk, "shortcut": "thanks", "title": "Thank you", "text": "Thanks {{customer.first_name}}!"},
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.account, reply.shortcut, reply.title, reply.text) == (
        account,
        "thanks",
        "Thank you",
        "Thanks {{customer.first_name}}!",
    )
    assert "/thanks" in desk.get(reverse("desk:canned")).content.decode()

    desk.post(reverse("desk:canned-edit", args=[reply.pk]), {"account": account.pk, "shortcut": "ty", "text": "Ta"})
    reply.refresh_from_db()
    assert (reply.shortcut, reply.text) == ("ty", "Ta")

    desk.post(reverse("desk:canned-delete", args=[reply.pk]))
    assert not CannedReply.objects.exists()


@pytest.mark.parametrize("shortcut", ["has space", "", "x" * 41])
def test_a_bad_shortcut_is_refused_next_to_its_field_and_writes_nothing(desk: Client, account: Account, shortcut):
    response = desk.post(reverse("desk:canned"), {"account": account.pk, "shortcut": shortcut, "text": "Hello"})

    assert response.status_code == 400
    assert 'class="field invalid"' in response.content.decode()
    assert not CannedReply.objects.exists()


def test_a_shortcut_taken_in_the_account_is_refused(desk: Client, account: Account):
    canned_reply_save(account=account, shortcut="Refund", text="One")

    response = desk.post(reverse("desk:canned"), {"account": account.pk, "shortcut": "refund", "text": "Two"})

    assert response.status_code == 400
    assert "/refund is taken." in response.content.decode()
    assert CannedReply.objects.count() == 1


def test_an_agent_of_another_tenant_never_sees_or_changes_them(
    client: Client, account: Account, other_account: Account
):
    reply = canned_reply_save(account=account, shortcut="secret", text="Our discount code")
    client.force_login(make_agent(account=other_account).user)

    assert "Our discount code" not in client.get(reverse("desk:canned")).content.decode()
    assert client.get(reverse("desk:canned-edit", args=[reply.pk])).status_code == 404
    assert client.post(reverse("desk:canned-delete", args=[reply.pk])).status_code == 404
    # Nor may they add one to an account they do not serve.
    response = client.post(reverse("desk:canned"), {"account": account.pk, "shortcut": "mine", "text": "x"})
    assert response.status_code == 400
    assert list(CannedReply.objects.values_list("shortcut", flat=True)) == ["secret"]
