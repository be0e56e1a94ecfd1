"""The two hottest reads of the client API answered from the shared cache (`conversations.poll_state`):

- `GET messages/after:{id}` with nothing new: every app polls every few seconds;
- `GET messages`, the latest page, while nothing in it changed.

Outside DRF, with one cache round trip and no database. Each gives up (returns None, and `TimelineView` answers
from the database) whenever anything is not plain: an unknown or unsupported caller, a snapshot, newest id or page
not cached or not current, a newer message, a quota exceeded, an origin not allowed, a "last seen" to record,
someone other than the assignee typing. The answer is the one `TimelineView` gives (both build it with
`timeline_answer`), byte for byte but for `metadata.duration`. Either way the request is counted against the
device's quota once: `request.client_quota` tells the view it is counted, and `request.client_poll_read` gives it
what was read (a page is stored under it). Redis unreachable: None, and the database answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from agents.models import Account
from conversations import poll_state
from conversations.client_api.quota import QuotaState, quota_window
from conversations.client_api.timeline_answer import timeline_answer
from devices.identification import account_by_identification, identification_parse, token_cache_key, token_refusal
from devices.services import device_touched_here
from messenger_project.cache import CacheUnavailable, counter_add, unreachable_warn
from messenger_project.client_api.envelope import envelope
from messenger_project.client_api.middleware import origin_allowed
from messenger_project.errors import ServiceError
from messenger_project.numbers import MAX_ID, is_digits


@dataclass(frozen=True)
class CachedCaller:
    account: Account
    device_id: str
    read: poll_state.PollRead  # its snapshot is this request's caller

    @property
    def snapshot(self) -> poll_state.PollSnapshot:
        assert self.read.snapshot is not None
        return self.read.snapshot


def cached_caller(request: HttpRequest, *, page_version: str | None = None) -> CachedCaller | None:
    """For reads only (a post reads its caller from the database): the caller's account and what the cache holds
    for them (with `page_version`, the latest page too), when the cached snapshot is this request's caller; else
    None. Counts the request against the quota either way, once: `request.client_quota` tells the view it is
    counted, `request.client_poll_read` gives it what was read."""
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
        page_version=page_version,
    )
    snapshot = read.snapshot
    if snapshot is None or not _same_caller(
        snapshot, token_customer_id=read.token_customer_id, has_token=token is not None
    ):
        # Not known to be this device's caller: the count is taken back, and the view counts the request once it
        # has identified the caller (a stranger who knows a registered device's id cannot use up its quota).
        counter_add(window.key, -1, window.timeout)
        return None
    request.client_quota = window.state(read.used)
    request.client_poll_read = read
    return CachedCaller(account=account, device_id=device_id, read=read)


def _same_caller(snapshot: poll_state.PollSnapshot, *, token_customer_id: str | None, has_token: bool) -> bool:
    """`caller_identify`'s check against the snapshot; a token whose customer is not cached is not known here."""
    if has_token and token_customer_id is None:
        return False
    return (
        token_refusal(registered=snapshot.registered, fk_id=snapshot.fk_id, token_customer_id=token_customer_id) is None
    )


def cached_timeline_response(
    request: HttpRequest,
    *,
    api_version: str,
    after: str | None,
    supported_versions: tuple[str, ...],
    allow: str,
) -> HttpResponse | None:
    """The empty poll's answer (`after` given) or the latest page's, or None when the database must answer."""
    if not poll_state.enabled() or api_version not in supported_versions:
        return None
    if after is not None and not is_digits(after):
        return None
    try:
        read = _read(request, api_version=api_version, page=after is None)
    except CacheUnavailable as error:
        unreachable_warn("the poll answered from the database", error)
        return None
    if read is None:
        return None
    account, state = read
    if after is not None:
        if state.newest > min(int(after), MAX_ID):
            return None
        data, newest_id, oldest_id, has_older, cursor = b"[]", None, None, False, int(after)
    else:
        page = state.page_current()
        if page is None:
            return None
        data, newest_id, oldest_id, has_older, cursor = page.data, page.newest, page.oldest_id, page.has_older, None
    agent = _agent(state)
    if agent is False:
        return None
    answer = timeline_answer(
        data=data,
        account=account,
        agent=agent,
        newest_id=newest_id,
        oldest_id=oldest_id,
        has_older=has_older,
        after=cursor,
    )
    body = envelope(answer.data, request=request, extra=answer.extra)
    return _response(body, quota=request.client_quota, allow=allow)


def _read(request: HttpRequest, *, api_version: str, page: bool) -> tuple[Account, poll_state.PollRead] | None:
    """The caller's account and what the cache holds for them, if it may answer; counts the request either way."""
    found = cached_caller(request, page_version=api_version if page else None)
    if found is None:
        return None
    if (
        request.client_quota.exceeded
        or found.read.newest is None
        or not origin_allowed(request.headers.get("Origin"), found.account.allowed_origins)
        or not device_touched_here(device_pk=found.snapshot.device_pk)
    ):
        return None
    return found.account, found.read


def _agent(read: poll_state.PollRead) -> dict | None | bool:
    """The envelope's `agent`: the assignee, typing or not; False when someone else types (the view looks them up)."""
    agent, typing = read.snapshot.assignee, read.typing
    if typing is None:
        return agent
    if agent is None or typing.agent_id != agent["id"]:
        return False
    return {**agent, "isTyping": typing.since}


def _response(body: bytes, *, quota: QuotaState, allow: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response["Allow"] = allow
    for name, value in quota.headers().items():
        response[name] = value
    return response
