"""A Content-Security-Policy on every page of ours and on media (issue #16, finding 8): scripts only from our origin
or with the request's nonce, never 'unsafe-inline'; every inline script and style of our pages carries that nonce,
and no page has an inline event handler (the browser would refuse to run it)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from agents.demo import DEMO_ACCOUNT
from agents.models import Account, Agent
from agents.services import account_create
from conversations.models import Conversation
from conversations.services import desk_reply
from devices.models import Customer
from tests.desk.helpers import png_upload
from tests.factories import make_agent, make_conversation, make_customer, post

pytestmark = pytest.mark.django_db

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def script_sources(response) -> list[str]:
    policy = directives(response)
    return policy.get("script-src", policy.get("default-src", []))


def nonce_of(response) -> str | None:
    found = [value for value in script_sources(response) if value.startswith("'nonce-")]
    return found[0][len("'nonce-") : -1] if found else None


def inline_tags_without_the_nonce(html: str, nonce: str | None) -> list[str]:
    """<script> without src and <style> elements whose nonce is not this response's."""
    bad = []
    for match in TAG.finditer(html):
        tag, attributes = match.group(1).lower(), match.group(2)
        if tag == "script" and "src=" in attributes:
            continue
        if 'type="application/json"' in attributes:  # data, never run (Django's admin uses it)
            continue
        if nonce is None or f'nonce="{nonce}"' not in attributes:
            bad.append(match.group(0))
    return bad


@pytest.fixture
def demo_account() -> Account:
    return account_create(name=DEMO_ACCOUNT)


@pytest.fixture
def agent(demo_account: Account) -> Agent:
    return make_agent(account=demo_account)


@pytest.fixture
def conversation(demo_account: Account, agent: Agent) -> Conversation:
    customer: Customer = make_customer(account=demo_account)
    conversation = make_conversation(account=demo_account, customers=[customer])
    post(conversation, customer, "Hello?")
    desk_reply(conversation=conversation, agent=agent, text="Here is the label", image=png_upload())
    return conversation


@pytest.fixture
def agent_client(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


@pytest.fixture
def superuser_client(django_user_model) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_superuser(username="ops", password="pw-ops-1234"))
    return client


@pytest.fixture
def pages(agent_client: Client, superuser_client: Client, demo_account: Account, conversation: Conversation):
    """Each HTML surface, fetched as who may see it."""
    return {
        "desk inbox": agent_client.get("/desk/"),
        "desk conversation": agent_client.get(f"/desk/conversations/{conversation.pk}/"),
        "admin index": superuser_client.get("/admin/"),
        "admin login": Client().get("/admin/login/"),
        "admin account": superuser_client.get(f"/admin/agents/account/{demo_account.pk}/change/"),
        "swagger ui": Client().get("/api/docs/"),
        "redoc": Client().get("/api/redoc/"),
        "demo": Client().get("/demo/"),
    }


def test_every_page_has_a_policy_allowing_no_inline_script_but_its_nonce(pages):
    for name, response in pages.items():
        assert response.status_code == 200, name
        sources = script_sources(response)
        assert "'self'" in sources, name
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, name
        assert [value for value in sources if value not in {"'self'"} and not value.startswith("'nonce-")] == [], name
        policy = directives(response)
        assert (policy["object-src"], policy["base-uri"], policy["frame-ancestors"]) == (["'none'"],) * 3, name


def test_every_inline_script_and_style_of_our_pages_carries_the_nonce(pages):
    for name, response in pages.items():
        html = response.content.decode()
        assert inline_tags_without_the_nonce(html, nonce_of(response)) == [], name


def test_no_page_has_an_inline_event_handler(pages):
    for name, response in pages.items():
        assert INLINE_HANDLER.findall(response.content.decode()) == [], name


def test_the_nonce_is_new_on_every_request(agent_client: Client):
    first, second = agent_client.get("/demo/"), agent_client.get("/demo/")

    assert nonce_of(first) and nonce_of(first) != nonce_of(second)


def test_the_demo_page_embeds_the_widget_without_an_inline_script(demo_account: Account):
    html = Client().get("/demo/").content.decode()

    assert f'data-identification="{demo_account.identification}"' in html
    assert "<script>" not in html


def test_media_carry_a_policy_that_allows_nothing(agent_client: Client, conversation: Conversation):
    media = conversation.messages.get(author_agent__isnull=False).attachments.get()

    for response in (
        agent_client.get(f"/desk/media/{media.uuid}"),
        agent_client.get(f"/desk/media/{media.uuid}", {"thumb": "1"}),
    ):
        assert response.status_code == 200
        assert directives(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"], "sandbox": []}
