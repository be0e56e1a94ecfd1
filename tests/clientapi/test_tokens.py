"""The registered customer's token (client API §2.2) against the spec's test vector."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from devices.identification import token_customer_id
from devices.tokens import token_make, token_verify
from messenger_project.errors import ServiceError

pytestmark = pytest.mark.django_db

CUSTOMER_ID = "customer-42"
AUTHORIZATION_SECRET = "test-authorization-secret"
SHARED_SECRET = "test-shared-secret"
VALID_UNTIL = 1893456000
KEY = (
    "076e73dc9352a1e6f7bac869c505c9aeacb610e836a3344f55790931b298dd67"
    "8545190939af89c25332e3b9d78b49b429787ccbd01c621a20c207f636ceedce"
)
VERIFY_HASH = (
    "29b3e8f321746b526d069101b3877a563215f0bb83ba39639634d4233caaa2f7"
    "3e9e47ebb57ff5b9dfe905b0a2b0f845ec364c280f76a38216a8e2de1422cc62"
)
TOKEN = (
    "Y3VzdG9tZXItNDJ8MDc2ZTczZGM5MzUyYTFlNmY3YmFjODY5YzUwNWM5YWVhY2I2MTBlODM2YTMzNDRmNTU3OTA5MzFiMjk4ZGQ2Nzg1NDUx"
    "OTA5MzlhZjg5YzI1MzMyZTNiOWQ3OGI0OWI0Mjk3ODdjY2JkMDFjNjIxYTIwYzIwN2Y2MzZjZWVkY2V8MTg5MzQ1NjAwMHwyOWIzZThmMzIx"
    "NzQ2YjUyNmQwNjkxMDFiMzg3N2E1NjMyMTVmMGJiODNiYTM5NjM5NjM0ZDQyMzNjYWFhMmY3M2U5ZTQ3ZWJiNTdmZjViOWRmZTkwNWIwYTJi"
    "MGY4NDVlYzM2NGMyODBmNzZhMzgyMTZhOGUyZGUxNDIyY2M2Mg=="
)
BEFORE_EXPIRY = VALID_UNTIL - 3600


def verify(token: str, now: float = BEFORE_EXPIRY, shared_secret: str = SHARED_SECRET) -> str:
    return token_verify(token=token, authorization_secret=AUTHORIZATION_SECRET, shared_secret=shared_secret, now=now)


def encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_token_make_reproduces_the_test_vector():
    token = token_make(
        customer_id=CUSTOMER_ID,
        authorization_secret=AUTHORIZATION_SECRET,
        shared_secret=SHARED_SECRET,
        valid_until=VALID_UNTIL,
    )

    assert token == TOKEN
    assert base64.b64decode(token).decode() == f"{CUSTOMER_ID}|{KEY}|{VALID_UNTIL}|{VERIFY_HASH}"


def test_token_verify_returns_the_customer_id_of_the_test_vector():
    assert verify(TOKEN) == CUSTOMER_ID


def test_token_without_padding_verifies():
    unpadded = TOKEN.rstrip("=")

    assert unpadded != TOKEN
    assert verify(unpadded) == CUSTOMER_ID


def test_token_made_with_upper_case_hex_and_surrounding_whitespace_verifies():
    key = KEY.upper()
    verify_hash = hmac.new(SHARED_SECRET.encode(), f"{CUSTOMER_ID}{key}{VALID_UNTIL}".encode(), hashlib.sha512)
    token = encode(f"{CUSTOMER_ID}|{key}|{VALID_UNTIL}|{verify_hash.hexdigest().upper()}")

    assert verify(f"  {token}\n") == CUSTOMER_ID


def test_token_is_valid_within_the_clock_skew():
    assert verify(TOKEN, now=VALID_UNTIL + 60) == CUSTOMER_ID


def test_expired_token_raises_authorization_expired():
    with pytest.raises(ServiceError) as error:
        verify(TOKEN, now=VALID_UNTIL + 61)

    assert (error.value.code, error.value.status_code) == ("authorization_expired", 401)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not base64 at all!", id="malformed-base64"),
        pytest.param(encode(f"{CUSTOMER_ID}|{KEY}|{VERIFY_HASH}"), id="legacy-three-fields"),
        pytest.param(encode(f"{CUSTOMER_ID}|{KEY}|soon|{VERIFY_HASH}"), id="valid-until-not-digits"),
        pytest.param(encode(f"customer-43|{KEY}|{VALID_UNTIL}|{VERIFY_HASH}"), id="other-customer-id"),
        pytest.param(encode(f"{CUSTOMER_ID}|{KEY}|{VALID_UNTIL + 1}|{VERIFY_HASH}"), id="extended-valid-until"),
        pytest.param(encode(f"{CUSTOMER_ID}|{'0' * 128}|{VALID_UNTIL}|{VERIFY_HASH}"), id="wrong-key"),
        pytest.param("", id="empty"),
    ],
)
def test_tampered_or_malformed_token_raises_authorization_not_valid(token):
    with pytest.raises(ServiceError) as error:
        verify(token)

    assert (error.value.code, error.value.status_code) == ("authorization_not_valid", 401)


def test_token_signed_with_another_shared_secret_is_not_valid():
    with pytest.raises(ServiceError) as error:
        verify(TOKEN, shared_secret="another-shared-secret")

    assert error.value.code == "authorization_not_valid"


def test_customer_id_may_contain_the_separator():
    token = token_make(
        customer_id="shop|customer|7",
        authorization_secret=AUTHORIZATION_SECRET,
        shared_secret=SHARED_SECRET,
        valid_until=VALID_UNTIL,
    )

    assert verify(token) == "shop|customer|7"


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"  {TOKEN}  ", TOKEN])
def test_token_customer_id_strips_a_bearer_prefix(account, authorization):
    assert token_customer_id(account=account, authorization=authorization) == CUSTOMER_ID


@pytest.mark.parametrize("authorization", [None, "", "   "])
def test_token_customer_id_treats_empty_as_anonymous(account, authorization):
    assert token_customer_id(account=account, authorization=authorization) is None
