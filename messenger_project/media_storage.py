"""Where uploads are stored: the local disk (the default) or an S3-compatible bucket, from the environment.

`media_storage_config` builds `STORAGES["default"]` (settings.py); `STORAGE_ERRORS` is what a storage raises when it
refuses a write or cannot be reached (docs/storage.md). The bucket is private: objects are written without an ACL
(the bucket's own, private, policy applies), never overwritten, and never linked to: every download goes through
the access-checked views, which stream the bytes (conversations/media_serving.py).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.exceptions import RetriesExceededError

# OSError: the local disk (full, read-only, permissions) and a missing file (FileNotFoundError, which the readers
# treat as "gone", not as an outage). BotoCoreError covers EndpointConnectionError, timeouts and bad credentials
# found before a request; ClientError every refusal the server answers (AccessDenied, NoSuchBucket, 5xx).
# RetriesExceededError: s3transfer's (django-storages reads objects through it) after its own attempts at a read
# that stalls or breaks off; a plain Exception, not a botocore one.
STORAGE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError, RetriesExceededError)

FILE_SYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"
# A bucket that does not answer fails a request within seconds (then 503 storage_unavailable), not after botocore's
# default minute per attempt; the standard retry mode retries throttling and 5xx answers with backoff.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 3


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    location: str = "",
    addressing_style: str | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> dict[str, Any]:
    """`STORAGES["default"]` for a private S3-compatible bucket. Keys left out come from boto3's own chain (an
    instance role, `~/.aws`)."""
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "location": location,
        "client_config": Config(
            s3={"addressing_style": addressing_style or "auto"},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"mode": "standard", "max_attempts": max_attempts},
        ),
        "default_acl": None,  # no ACL header: the bucket's private default applies (and ACL-less buckets accept it)
        "querystring_auth": True,  # a URL, were one ever made, is signed and short-lived, never public
        "querystring_expire": 300,
        "file_overwrite": False,  # a name taken gets a suffix; a stored file is never replaced
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def media_storage_config(env) -> dict[str, Any]:
    """The local disk (MEDIA_ROOT) unless `AWS_STORAGE_BUCKET_NAME` names a bucket (README, "Configuration")."""
    bucket = env("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        return dict(FILE_SYSTEM)
    return s3_storage(
        bucket=bucket,
        endpoint_url=env("AWS_S3_ENDPOINT_URL", default=""),
        region=env("AWS_S3_REGION_NAME", default=""),
        access_key=env("AWS_ACCESS_KEY_ID", default=""),
        secret_key=env("AWS_SECRET_ACCESS_KEY", default=""),
        location=env("AWS_LOCATION", default=""),
        addressing_style=env("AWS_S3_ADDRESSING_STYLE", default=""),
    )
