"""Schemathesis over both APIs: generated requests against the server in this process, each answer checked against
`/api/schema/` (conventions §16).

Every operation of the schema gets its documented examples, the coverage phase's boundary cases and at most
MAX_EXAMPLES generated ones, valid and invalid, the same in every run (`deterministic`). Schemathesis' checks:
`not_a_server_error`, `status_code_conformance`, `content_type_conformance`, `response_headers_conformance` and
`response_schema_conformance` (the answer is as documented), `missing_required_header`, `ignored_auth`,
`unsupported_method` and `allow_header_conformance`; and two narrowed here: a request the schema calls valid is
not refused with a 400 (the schema is as strict as the server) unless the operation has a rule that no schema can
state (`BUSINESS_RULES`), and a path, query or header parameter the schema calls invalid is refused.

The requests carry valid credentials often enough to get past 401: a fixed API key (the schema's security
schemes) and a registered device's `x-iris-identification`, and the path parameters often name rows that exist
(`dictionaries`). Each example runs in a savepoint rolled back after it, so every example sees the same rows.
"""

from __future__ import annotations

import json
import socket
import uuid
from types import SimpleNamespace

import pytest
import schemathesis
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from agents.models import ApiKey, Webhook
from agents.services import api_key_digest
from devices.models import Customer
from messenger_project import outbound_urls as webhook_urls
from tests.factories import make_account, make_agent, make_conversation, make_customer, post, register_device

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 20  # per operation in the fuzzing phase; the examples and coverage phases add theirs

KEY = "sk_live_schemathesis0schemathesis0schemathesis"
IDENTIFICATION = "0cce5bfcdbf07978b269"  # the documented example of x-iris-identification
DEVICE_ID = "5d1b4a0e-7c2f-4f61-9a8e-2b3c4d5e6f70"
# The ids of the documented examples (which the examples and coverage phases send), so that they name rows.
APP_ID = "app_7Hq2kL"
USER_UUID = "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b"
USER_NUMBER = 456
FK_IDS = ("12081", "8029")
CONVERSATIONS = ("order_391_fc", "schemathesis-conversation")
WEBHOOK_ID = 424242  # far above the ids the database hands out: a webhook created by a request never takes it

# Operations where a request the schema calls valid may still be a 400, for a rule that depends on stored rows or
# on other fields in a way OpenAPI 3.0 cannot state. Every other operation must accept what its schema allows.
BUSINESS_RULES = {
    "POST /clientApi/v{api_version}/messages": "text or a media reference (non-blank after trimming); media "
    "ids must name the caller's unused upload (`missing_media`)",
    "POST /clientApi/v{api_version}/media": "the type is detected from the bytes (`invalid_media_type`)",
    "POST /api/external/users": "email and phone are normalised (`invalid_email`, `invalid_phone`)",
    "GET /api/external/users/search": "at least one of the three parameters; email and phone are normalised",
    "PUT /api/v1/{app_id}/users/{user_id}": "`name` is required only when the user is created",
    "PUT /api/v1/{app_id}/conversations/{conversation_id}": "participants must be existing users",
    "GET /api/v1/{app_id}/conversations": "`startingAfter` must name a conversation of the account",
    "GET /api/v1/{app_id}/users/{user_id}/conversations": "`startingAfter` must name a conversation of the account",
    "POST /api/v1/{app_id}/conversations/{conversation_id}/messages": "senders must be participants; text "
    "not only whitespace; attachments must decode",
    "PATCH /api/v2/conversations/{conversation_id}": "at least one field; `assigneeId` must be an agent of the "
    "account (`not_staff`); Help Scout's operations: only the listed op/path pairs, a value of the path's kind, "
    "the account's own mailbox",
    "POST /api/v2/conversations": "a customer `id` must exist; `mailboxId` must be the account's; a reply or note "
    "needs a `user` of the account or a key bound to a bot; `assignTo` an agent of the account",
    "GET /api/v2/conversations": "`query` must follow Help Scout's search syntax; `mailbox` must be the account's",
    "GET /api/v2/customers": "`query` must follow Help Scout's search syntax",
    "POST /api/v2/customers": "at least one of firstName, lastName and emails; emails and phones are normalised",
    "PUT /api/v2/customers/{customer_id}": "at least one of firstName, lastName and emails; emails and phones are "
    "normalised",
    "PATCH /api/v2/customers/{customer_id}": "a value for replace and add, of the field's length",
    "POST /api/v2/conversations/{conversation_id}/chats": "the customer must exist or be creatable; text not "
    "only whitespace; attachments must decode; `createdAt` only with `imported`",
    "GET /api/v2/conversations/{conversation_id}/messages": "`before` and `after` exclude each other",
    "POST /api/v2/conversations/{conversation_id}/messages": "`senderId` must be an agent of the account; text "
    "not only whitespace; attachments must decode",
    "POST /api/v2/conversations/{conversation_id}/merge": "`into` must be another live conversation",
    "POST /api/v2/conversations/{conversation_id}/typing": "`senderId` must be an agent of the account",
    "POST /api/v2/webhooks": "the URL's host must resolve to public addresses (`invalid_url`)",
    "GET /api/v2/reports/conversations": "`end` not before `start`, at most 366 days on; days from 2000 to 2999",
    # Help Scout's thread writes (#21)
    "POST /api/v2/conversations/{conversation_id}/reply": "`user` must be an agent of the account (or the key "
    "bound to a bot); `customer` must be a participant; text not only whitespace; attachments must decode",
    "POST /api/v2/conversations/{conversation_id}/notes": "`user` must be an agent of the account (or the key "
    "bound to a bot); text not only whitespace; attachments must decode",
    "POST /api/v2/conversations/{conversation_id}/customer": "the customer must exist; text not only "
    "whitespace; attachments must decode",
    "PATCH /api/v2/conversations/{conversation_id}/threads/{thread_id}": "the value not only whitespace",
    "POST /api/v2/conversations/{conversation_id}/threads/{thread_id}/attachments": "the data must decode to "
    "1 B–10 MiB",
    "POST /api/v2/oauth2/token": "the client must be an account's OAuth app, with its secret (`invalid_client`); "
    "other form fields are RFC 6749's (`scope`: `invalid_scope`)",
}

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {"stateful": {"enabled": False}},
        "checks": {  # the two below are replaced by narrower versions of themselves
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
        },
        "auth": {"openapi": {"IntegrationBearer": {"bearer": KEY}, "AgentSecretKey": {"api_key": KEY}}},
        "dictionaries": {
            "identification": {"values": [f"{IDENTIFICATION}:{DEVICE_ID}"]},
            "app": {"values": [APP_ID]},
            "conversation": {"values": list(CONVERSATIONS)},
            "v1-user": {"values": [*FK_IDS, USER_UUID]},
            "webhook": {"values": [str(WEBHOOK_ID)]},
        },
        "parameters": {
            "header.x-iris-identification": {"dictionary": "identification", "probability": 0.8},
            "path.app_id": {"dictionary": "app", "probability": 0.9},
            "path.conversation_id": {"dictionary": "conversation", "probability": 0.7},
            "path.webhook_id": {"dictionary": "webhook", "probability": 0.7},
            "path.user_id": {"dictionary": "v1-user", "probability": 0.7},
        },
    }
)

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = WSGIHandler()


def _nul_refused(response) -> bool:
    """A 400 whose every problem is a NUL the edge check refused (`json_input`): JSON Schema cannot forbid NUL in
    every string, so a schema-valid string with a NUL is refused by design."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    if "error" in body:
        fields = body["error"].get("fields") or [{}]
        return all(f.get("code") == "invalid_characters" and "NUL" in f.get("message", "") for f in fields)
    messages = [n["message"] for n in body.get("notifications", [])[1:]]
    return bool(messages) and all("NUL" in m for m in messages)


def schema_as_strict_as_the_server(ctx, response, case):
    """`positive_data_acceptance`: a request the schema calls valid is not refused with a 400, except on the
    operations of BUSINESS_RULES and for a NUL in a string."""
    if case.operation.label in BUSINESS_RULES:
        return None
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 400 and _nul_refused(response):
            return None
        raise


def parameters_refused_as_the_schema_says(ctx, response, case):
    """`negative_data_rejection` for path, query and header parameters: one the schema calls invalid is refused.
    Not for bodies: both APIs read a JSON number where a string is documented and 0 or 1 for a boolean (DRF's
    fields), which the schema does not document as valid input."""
    meta = case.meta
    body = meta.components.get(ParameterLocation.BODY) if meta is not None else None
    if body is not None and body.mode.is_negative:
        return None
    return negative_data_rejection(ctx, response, case)


@pytest.fixture
def test_connection_kept():
    """The requests go through Django's WSGI handler, which closes the database connection around each request:
    inside the test's transaction it must stay (as Django's test client keeps it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _resolve(host, port, *args, **kwargs):
    """The DNS of the webhook URL check: the documented examples' hosts are public, no other name resolves."""
    if isinstance(host, str) and host.endswith(".example.com"):
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.215.14", port))]
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.fixture
def rows(settings, monkeypatch):
    """What the requests name: an account with a fixed key (bound to a bot), identification and appId; a device
    with a conversation of two messages that two users of the integration API take part in; a second
    conversation; a webhook."""
    settings.INTEGRATION_RATE_LIMIT_PER_MINUTE = 10**9
    monkeypatch.setattr(webhook_urls, "socket", SimpleNamespace(**{**vars(socket), "getaddrinfo": _resolve}))
    account = make_account(identification=IDENTIFICATION, app_id=APP_ID)
    agent = make_agent(account=account)
    bot = make_agent(account=account, is_bot=True)
    ApiKey.objects.create(account=account, name="schemathesis", prefix=KEY[:12], digest=api_key_digest(KEY), bot=bot)
    device = register_device(account=account, device_id=DEVICE_ID)
    alice = make_customer(account=account, fk_id=FK_IDS[0], email="alice@example.com", registered=True)
    Customer.objects.filter(pk=alice.pk).update(uuid=uuid.UUID(USER_UUID), number=USER_NUMBER)
    sebastian = make_customer(account=account, fk_id=FK_IDS[1], email="sebastian@example.com", registered=True)
    conversation = make_conversation(
        account=account, customers=[device.customer, alice, sebastian], public_id=CONVERSATIONS[0]
    )
    post(conversation, device.customer, "Hello, I have a question")
    post(conversation, agent, "How can I help?")
    make_conversation(account=account, customers=[alice], public_id=CONVERSATIONS[1])
    Webhook.objects.create(
        pk=WEBHOOK_ID,
        account=account,
        url="https://hooks.example.com/messenger",
        events=["message.created"],
        sender_kinds=["customer"],
    )


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_answers_as_documented(case, rows, test_connection_kept):
    for alias in ("default", "local"):  # quotas, rate limits and bad-key lockouts start afresh for each example
        caches[alias].clear()
    with transaction.atomic():  # each example sees the rows of `rows`, whatever the examples before it did
        try:
            case.call_and_validate(
                additional_checks=[schema_as_strict_as_the_server, parameters_refused_as_the_schema_says],
                environ_overrides={"REMOTE_ADDR": "127.0.0.1"},  # plain HTTP from this machine (§1)
            )
        finally:
            transaction.set_rollback(True)
