"""Helpers of the delivery tests: receivers' checks (signatures, JSON), and push credentials made on the spot."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from agents.models import Delivery


def verified_body(request, secret: str) -> dict:
    """What a receiver does (§8.8): the HMAC of "{timestamp}.{raw body}" compared in constant time; then the JSON
    body. (Whether the timestamp is fresh depends on when it arrived: see `is_fresh`.)"""
    body = request.get_data()
    timestamp = request.headers["X-Webhook-Timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, request.headers["X-Webhook-Signature"]), "the signature does not verify"
    return json.loads(body)


def is_fresh(request) -> bool:
    """Receivers reject timestamps more than 5 minutes old (§8.8); call it right after the request arrived."""
    return abs(time.time() - int(request.headers["X-Webhook-Timestamp"])) < 300


def requests_to(server, path: str) -> list:
    """The requests a receiver got on `path`, in order."""
    return [request for request, _ in server.log if request.path == path]


def json_of(request) -> dict:
    return json.loads(request.get_data())


def deliveries(**filters) -> list[Delivery]:
    return list(Delivery.objects.filter(**filters).order_by("id"))


def pem(private_key) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ec_key():
    return ec.generate_private_key(ec.SECP256R1())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
