"""`Idempotency-Key` on POST, PATCH and DELETE of the [S1], [S3] and [X] families (integration API §5)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from agents.models import Account, IdempotencyRecord
from messenger_project.integration_api.errors import ApiError, EarlyResponse

KEPT_FOR = timedelta(hours=24)
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.2
KEY_MAX_LENGTH = 255
REPLAYED_HEADERS = ("Location", "Resource-ID")


class IdempotentReplay(EarlyResponse):
    """The stored answer of an earlier request with the same key."""


def request_hash(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_claim(*, account: Account, method: str, path: str, key: str, data) -> IdempotencyRecord:
    """Claim the key for this request, or raise: a replay of the stored answer, or 409 idempotency_conflict."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise ApiError(400, "validation_failed", "Idempotency-Key must be 1 to 255 characters.")
    digest = request_hash(data)
    scope = {"account": account, "method": method, "path": path, "key": key}
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        IdempotencyRecord.objects.filter(**scope, created_at__lt=timezone.now() - KEPT_FOR).delete()
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**scope, request_hash=digest)
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(**scope).first()
        if record is None:
            continue  # the first request failed and gave the key back: claim it now
        if record.request_hash != digest:
            raise ApiError(409, "idempotency_conflict", "The key was used with another request.")
        if record.status_code is not None:
            headers = {**record.headers, "Idempotent-Replayed": "true"}
            raise IdempotentReplay(Response(record.body, status=record.status_code, headers=headers))
        if time.monotonic() >= deadline:
            raise ApiError(
                409, "idempotency_conflict", "A request with this key is still running.", details={"inProgress": True}
            )
        time.sleep(POLL_SECONDS)


def idempotency_settle(*, record: IdempotencyRecord, response: Response) -> None:
    """Keep a 2xx answer for replays; otherwise give the key back so that the request can be retried."""
    if 200 <= response.status_code < 300:
        record.status_code = response.status_code
        record.body = response.data
        record.headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
        record.save(update_fields=["status_code", "body", "headers"])
    else:
        record.delete()
