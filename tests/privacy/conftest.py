"""Fixtures of the data-protection tests (#22): a customer with a whole history (a registered app customer with a
profile, an Android device with a push token, messages with a photo, the agent's answers and a private note, a
rating with a comment, a webhook and push deliveries), another customer of the same account, and a key of each
tenant. The client API's account (with the spec's test-vector secrets) and agent are reused."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agents.models import Account, Agent, Webhook
from agents.services import api_key_create
from conversations.models import Conversation, Message
from conversations.services import desk_status_change, note_add
from conversations.services.satisfaction import satisfaction_answer
from devices.models import Customer
from devices.services import customer_update
from tests.clientapi.conftest import account, agent, other_account  # noqa: F401
from tests.clientapi.helpers import (
    ANDROID_BODY,
    ANDROID_JSON,
    App,
    agent_reply,
    customer_of,
    png_bytes,
    register,
    token_for,
    upload_file,
)
from tests.factories import make_staff
from tests.integration.helpers import Api

SECRET_TEXT = "my address is 5 Elm Street, Springfield"
PHOTO = png_bytes((5, 4), (10, 200, 30))
EMAIL = "ann.lee@example.com"


staff = make_staff  # the name these tests import


@dataclass
class Story:
    app: App
    customer: Customer
    conversation: Conversation
    own_text: Message
    own_photo: Message
    answer: Message
    note: Message
    other_app: App
    other: Customer


@pytest.fixture
def api(client, account: Account) -> Api:  # noqa: F811
    _, plain = api_key_create(account=account, name="backend")
    return Api(client=client, account=account, key=plain)


@pytest.fixture
def other_api(client, other_account: Account) -> Api:  # noqa: F811
    _, plain = api_key_create(account=other_account, name="other backend")
    return Api(client=client, account=other_account, key=plain)


@pytest.fixture
def story(client, account: Account, agent: Agent) -> Story:  # noqa: F811
    """The history of Ann (registered as `ann-42`) and, beside her, another customer of the same account."""
    Webhook.objects.create(
        account=account,
        url="https://hooks.example.com/in",
        events=[Webhook.Event.MESSAGE_CREATED, Webhook.Event.CONVERSATION_STATUS_CHANGED],
    )
    account.csat_enabled = True
    account.save(update_fields=["csat_enabled"])
    app = register(client, "ann-android-0001", token_for("ann-42"), body=ANDROID_BODY, json_type=ANDROID_JSON)
    customer = customer_of(app)
    customer_update(
        customer=customer,
        changes={
            "first_name": "Ann",
            "last_name": "Lee",
            "name": "Ann Lee",
            "emails": [EMAIL],
            "phones": ["+31612345678"],
            "custom": {"loyalty": "gold-7781"},
            "note": "Prefers phone calls",
        },
    )
    own_text = Message.objects.get(pk=app.send(SECRET_TEXT))
    media_id = app.upload("media", media=upload_file(PHOTO, name="passport.png")).json()["data"]["media"]
    response = app.post("messages", {"media": {"id": media_id, "description": "passport.png"}})
    own_photo = Message.objects.get(pk=response.json()["data"]["messageId"])
    answer = agent_reply(app, agent, "Thanks, we will send it there.", buttons=[{"title": "OK", "payload": "ok"}])
    conversation = Conversation.objects.get(pk=own_text.conversation_id)
    note = note_add(conversation=conversation, agent=agent, text="Internal: check her credit")
    desk_status_change(conversation=conversation, agent=agent, action="close")
    rating = conversation.ratings.get()
    satisfaction_answer(rating=rating, score=4, comment="Ann was happy at Elm Street")
    other_app = register(client, "other-web-00001")
    other_app.send("the other customer's question")
    customer.refresh_from_db()
    return Story(
        app=app,
        customer=customer,
        conversation=conversation,
        own_text=own_text,
        own_photo=own_photo,
        answer=answer,
        note=note,
        other_app=other_app,
        other=customer_of(other_app),
    )
