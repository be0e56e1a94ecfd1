"""Fixtures of the integration API tests: a clean cache (rate limits live there) and media root per test, two
tenants with keys, staff, and factories that set data up through the API itself. Helpers: helpers.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from agents.models import Account, Agent
from agents.services import account_create, agent_create, api_key_create
from conversations.models import Conversation
from devices.models import Customer
from tests.integration.helpers import Api


@pytest.fixture
def account() -> Account:
    return account_create(name="Shop", app_id="app_7Hq2kL")


@pytest.fixture
def other_account() -> Account:
    return account_create(name="Other shop", app_id="app_other")


@pytest.fixture
def api(client, account: Account) -> Api:
    """The operator's backend: a key of `account` sent as `Authorization: Bearer`."""
    _, plain = api_key_create(account=account, name="backend")
    return Api(client=client, account=account, key=plain)


@pytest.fixture
def other_api(client, other_account: Account) -> Api:
    _, plain = api_key_create(account=other_account, name="other backend")
    return Api(client=client, account=other_account, key=plain)


@pytest.fixture
def agent(account: Account) -> Agent:
    return agent_create(username="sanne", display_name="Sanne", accounts={account: "agent"})


@pytest.fixture
def bot(account: Account) -> Agent:
    return agent_create(username="pensbot", display_name="Pens bot", is_bot=True, accounts={account: "agent"})


@pytest.fixture
def bot_api(client, account: Account, bot: Agent) -> Api:
    """A key bound to `bot`: the default sender of that key's replies and typing (§8.4)."""
    _, plain = api_key_create(account=account, name="bot key", bot=bot)
    return Api(client=client, account=account, key=plain)


@pytest.fixture
def make_user(api: Api) -> Callable[..., Customer]:
    """A customer made with `PUT /api/v1/{appId}/users/{userId}` (its fkId is `user_id`)."""

    def make(user_id: str, **body) -> Customer:
        body = {"name": user_id.title(), "email": [f"{user_id}@example.com"], **body}
        response = api.put(api.v1(f"users/{user_id}"), body)
        assert response.status_code == 200, response.content
        return Customer.objects.get(account=api.account, fk_id=user_id)

    return make


@pytest.fixture
def create_user(api: Api) -> Callable[..., dict]:
    """A customer made with `POST /api/external/users` ([S1]); returns the user representation."""

    def create(**body) -> dict:
        response = api.post("/api/external/users", {"firstName": "John", "lastName": "Doe", **body})
        assert response.status_code == 201, response.content
        return response.json()

    return create


@pytest.fixture
def make_conversation(api: Api, make_user) -> Callable[..., Conversation]:
    """A conversation made with `PUT /api/v1/{appId}/conversations/{id}`; participants are [S2] user ids,
    created as users first when the account has no such user yet."""

    def make(public_id: str, participants: Sequence[str] = ("alice",), **body) -> Conversation:
        for user_id in participants:
            if not Customer.objects.filter(account=api.account, fk_id=user_id).exists():
                make_user(user_id)
        response = api.put(api.v1(f"conversations/{public_id}"), {"participants": list(participants), **body})
        assert response.status_code == 200, response.content
        return Conversation.objects.get(account=api.account, public_id=public_id)

    return make


@pytest.fixture
def say(api: Api) -> Callable[..., list[int]]:
    """Customer `UserMessage`s through `POST /api/v1/{appId}/conversations/{id}/messages`; returns their ids (ints)."""

    def send(public_id: str, sender: str = "alice", *texts: str) -> list[int]:
        items = [{"type": "UserMessage", "sender": sender, "text": t} for t in texts or ("Hello",)]
        response = api.post(api.v1(f"conversations/{public_id}/messages"), items)
        assert response.status_code == 200, response.content
        return [int(item["id"]) for item in response.json()]  # TalkJS's ids are strings; these are the stored ids

    return send


@pytest.fixture
def merge(api: Api) -> Callable[[str, str], None]:
    """`POST /api/v2/conversations/{source}/merge` into `target`."""

    def run(source: str, target: str) -> None:
        response = api.post(f"/api/v2/conversations/{source}/merge", {"into": target})
        assert response.status_code == 200, response.content

    return run


@pytest.fixture
def chat(api: Api) -> Callable[..., object]:
    """`POST /api/v2/conversations/{id}/chats` ([S3]); returns the response."""

    def post(public_id: str, customer: dict, text: str = "Buy more pens", **body):
        return api.post(f"/api/v2/conversations/{public_id}/chats", {"customer": customer, "text": text, **body})

    return post
