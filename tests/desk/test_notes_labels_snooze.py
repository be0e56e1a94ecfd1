"""The desk's notes, labels, snooze and bulk actions through its views (the browser tests drive the same in
Chromium): each goes through its service, refuses bad input without writing, and stays inside the agent's tenant."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from agents.models import Account, Agent
from conversations.desk.forms import snooze_until
from conversations.models import Conversation, Message
from tests.desk.helpers import url
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(account: Account) -> Conversation:
    customer = make_customer(account=account, name="Ada Lovelace")
    conversation = make_conversation(account=account, customers=[customer])
    post(conversation, customer, "Where is my refund?")
    conversation.refresh_from_db()
    return conversation


def test_a_note_from_the_composer_is_private_and_leaves_the_customer_waiting(desk: Client, conversation):
    waiting = conversation.waiting_since

    response = desk.post(
        url("conversation-reply", conversation), {"text": "Refund approved by finance", "private": "on"}
    )

    assert response.status_code == 302
    note = conversation.messages.get(text="Refund approved by finance")
    assert (note.is_private, note.author_kind) == (True, Message.AuthorKind.AGENT)
    assert not note.receipts.exists()
    conversation.refresh_from_db()
    assert conversation.waiting_since == waiting
    html = desk.get(url("conversation", conversation)).content.decode()
    assert f'class="item agent note" data-id="{note.pk}"' in html


def test_a_note_carries_no_image(desk: Client, conversation):
    from tests.desk.helpers import png_upload

    response = desk.post(
        url("conversation-reply", conversation),
        {"text": "see", "private": "on", "image": png_upload()},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "A private note is text only."
    assert not conversation.messages.filter(text="see").exists()


def test_labels_are_added_and_removed_and_filter_the_list(desk: Client, account: Account, conversation):
    other = make_conversation(account=account, customers=[make_customer(account=account)])
    post(other, other.primary_customer, "Hello")

    desk.post(url("conversation-labels", conversation), {"add": "  VIP  "})
    label = conversation.labels.get()
    assert label.name == "VIP"
    rows = desk.get(url("inbox"), {"label": label.pk}).context["rows"]
    assert [row.pk for row in rows] == [conversation.pk]

    desk.post(url("conversation-labels", conversation), {"remove": "vip"})
    assert not conversation.labels.exists()
    response = desk.post(url("conversation-labels", conversation), {"add": "x" * 51}, follow=True)
    assert "A label has 1 to 50 characters." in response.content.decode()
    assert not conversation.labels.exists()


def test_snooze_until_the_customer_writes_then_their_message_wakes_it(desk: Client, conversation):
    desk.post(url("conversation-action", conversation), {"action": "snooze", "until": "customer"})
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == ("snoozed", None)
    assert conversation.pk not in [row.pk for row in desk.get(url("inbox")).context["rows"]]
    assert [row.pk for row in desk.get(url("inbox"), {"status": "snoozed"}).context["rows"]] == [conversation.pk]

    post(conversation, conversation.primary_customer, "Any news?")

    conversation.refresh_from_db()
    assert conversation.status == "active"


def test_a_snooze_time_in_the_past_is_refused(desk: Client, conversation):
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    response = desk.post(url("conversation-action", conversation), {"action": "snooze", "until": past}, follow=True)

    assert "Choose a time in the future." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == "active"


def test_the_snooze_presets_end_when_their_names_say():
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 9, 15, 30)), tick=False):  # a Wednesday
        now = timezone.localtime()
        assert snooze_until("1h") == now + timedelta(hours=1)
        assert timezone.localtime(snooze_until("tomorrow")).isoformat()[:16] == "2026-12-10T09:00"
        assert timezone.localtime(snooze_until("next_week")).isoformat()[:16] == "2026-12-14T09:00"
        assert snooze_until("customer") is None


def test_bulk_label_and_assign_reach_only_the_agents_conversations(
    desk: Client, agent: Agent, account: Account, other_account: Account, conversation
):
    foreign = make_conversation(account=other_account, customers=[make_customer(account=other_account)])
    post(foreign, foreign.primary_customer, "Hi")

    response = desk.post(
        url("bulk"), {"ids": [conversation.pk, foreign.pk], "action": "label", "label": "refund", "next": "/desk/"}
    )
    assert response.status_code == 302
    assert list(conversation.labels.values_list("name", flat=True)) == ["refund"]
    assert not foreign.labels.exists()

    desk.post(url("bulk"), {"ids": [conversation.pk, foreign.pk], "action": "assign_me"})
    conversation.refresh_from_db()
    foreign.refresh_from_db()
    assert (conversation.assignee, foreign.assignee) == (agent, None)


def test_another_tenants_agent_cannot_note_label_or_snooze(client: Client, other_account: Account, conversation):
    client.force_login(make_agent(account=other_account).user)

    assert client.post(url("conversation-reply", conversation), {"text": "x", "private": "on"}).status_code == 404
    assert client.post(url("conversation-labels", conversation), {"add": "x"}).status_code == 404
    assert client.post(url("conversation-action", conversation), {"action": "snooze", "until": "1h"}).status_code == 404
    conversation.refresh_from_db()
    assert (conversation.status, conversation.labels.count(), conversation.messages.count()) == ("active", 0, 1)


def test_a_snooze_is_read_in_the_agents_time_zone(desk: Client, conversation):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 9, 15, 30)), tick=False):
        desk.post(
            url("conversation-action", conversation),
            {"action": "snooze", "until": "2026-12-10T09:00", "tz": "Asia/Tokyo"},
        )
    conversation.refresh_from_db()
    assert conversation.snoozed_until.isoformat() == "2026-12-10T00:00:00+00:00"  # 9:00 in Tokyo


def test_a_conversation_carries_no_label_of_another_account(account: Account, other_account: Account, conversation):
    from django.core.exceptions import ValidationError

    from conversations.models import ConversationLabel
    from conversations.services import label_get_or_create

    foreign = label_get_or_create(account=other_account, name="vip")
    own = label_get_or_create(account=account, name="vip")

    with pytest.raises(ValidationError):
        ConversationLabel(conversation=conversation, label=foreign).full_clean()
    ConversationLabel(conversation=conversation, label=own).full_clean()


def test_one_hour_of_snooze_is_an_hour_of_time_across_a_clock_change():
    from datetime import UTC
    from zoneinfo import ZoneInfo

    amsterdam = ZoneInfo("Europe/Amsterdam")
    # 2026-10-25 02:30 CEST: at 03:00 the clocks go back to 02:00.
    now = timezone.datetime(2026, 10, 25, 2, 30, tzinfo=amsterdam, fold=0)
    until = snooze_until("1h", now=now, zone=amsterdam)
    assert until.astimezone(UTC) - now.astimezone(UTC) == timedelta(hours=1)  # elapsed, not on the wall clock
