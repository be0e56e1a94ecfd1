"""`GET messages/after:{id}` with nothing new, answered from the shared cache (`conversations.poll_state`).

The most frequent request of all: every app polls every few seconds. This answers it outside DRF with one cache
round trip and no database, and gives up (returns None, and the DRF view answers) whenever anything is not plainly
an empty poll of a known, allowed caller: an unknown or unsupported caller, a snapshot or newest id not cached, a
newer message, a quota exceeded, an origin not allowed, a "last seen" to record, someone other than the assignee
typing. The answer is the one `TimelineView` gives, byte for byte but for `metadata.duration`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from conversations import poll_state
from devices.identification import account_by_identification, identification_parse, token_cache_key
from devices.services import device_touched_here
from messenger_project.client_api.envelope import envelope
from messenger_project.client_api.middleware import origin_allowed
from messenger_project.client_api.quota import QuotaState, quota_window
from messenger_project.errors import ServiceError
from messenger_project.numbers import MAX_ID, is_digits


def empty_poll_response(
    request: HttpRequest, *, api_version: str, cursor: str, supported_versions: tuple[str, ...], allow: str
) -> HttpResponse | None:
    """The answer to an empty poll, or None when the database must answer. Counts the request against the
    device's quota either way (`request.client_quota`: the view that answers instead must not count it again)."""
    if not poll_state.enabled() or api_version not in supported_versions or not is_digits(cursor):
        return None
    try:
        identification, device_id = identification_parse(
            request.headers.get("x-iris-identification") or request.headers.get("x-parley-identification")
        )
        account = account_by_identification(identification)
    except ServiceError:
        return None
    token = token_cache_key(account=account, authorization=request.headers.get("Authorization"))
    window = quota_window(account=account, device_id=device_id)
    read = poll_state.poll_read(
        quota_key=window.key,
        quota_timeout=window.timeout,
        account_id=account.pk,
        device_id=device_id,
        token_key=token[1] if token else None,
    )
    quota = request.client_quota = window.state(read.used)
    snapshot = read.snapshot
    if (
        quota.exceeded
        or snapshot is None
        or read.newest is None
        or read.newest > min(int(cursor), MAX_ID)
        or not _same_caller(snapshot, token_customer_id=read.token_customer_id, has_token=token is not None)
        or not origin_allowed(request.headers.get("Origin"), account.allowed_origins)
        or not device_touched_here(device_pk=snapshot.device_pk)
    ):
        return None
    agent = snapshot.assignee
    typing = read.typing
    if typing is not None:
        if agent is None or typing.agent_id != agent["id"]:
            return None  # rare: someone other than the assignee types; the view looks them up
        agent = {**agent, "isTyping": typing.since}
    body = envelope(
        [],
        request=request,
        extra={
            "agent": agent,
            "paging": {"before": "", "after": f"/messages/after:{int(cursor)}"},
            "stickyMessage": account.sticky_message or None,
            "welcomeMessage": account.welcome_message or account.info_text or None,
        },
    )
    return _response(body, quota=quota, allow=allow)


def _same_caller(snapshot: poll_state.PollSnapshot, *, token_customer_id: str | None, has_token: bool) -> bool:
    """The checks of `caller_identify` against the snapshot: a registered customer's token names them."""
    if has_token:
        return token_customer_id is not None and snapshot.registered and snapshot.fk_id == token_customer_id
    return not snapshot.registered


def _response(body: bytes, *, quota: QuotaState, allow: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["Allow"] = allow
    for name, value in quota.headers().items():
        response[name] = value
    return response
