"""The integration API's one conversation lookup (seed 003): an unknown id is a 404 `not_found`; a merged one is,
for a GET, a 301 to the same sub-path of the live end of the merge chain and, for a write, a 404
`conversation_merged` naming where it went."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import QuerySet

from conversations.models import Conversation
from conversations.selectors import conversation_final
from messenger_project.integration_api.errors import ApiError, EarlyResponse, moved_permanently

READ_METHODS = {"GET", "HEAD"}


def conversation_lookup(
    request,
    account,
    conversation_id: str,
    *,
    queryset: QuerySet[Conversation] | None = None,
    missing_ok: bool = False,
    merged_ok: bool = False,
) -> Conversation | None:
    """The conversation `conversation_id` of `account`, read from `queryset` when it is live.

    `missing_ok`: an unknown id gives None (an upsert creates it). `merged_ok`: a merged one is returned as it is
    (a merge's source, which may be merged again into the same target)."""
    conversation = None
    if queryset is not None:
        conversation = queryset.filter(account=account, public_id=conversation_id).first()
    if conversation is None:
        conversation = (
            Conversation.objects.filter(account=account, public_id=conversation_id)
            .select_related("merged_into")
            .first()
        )
    if conversation is None:
        if missing_ok:
            return None
        raise ApiError(404, "not_found", "No such conversation.")
    if conversation.merged_into_id is None or merged_ok:
        return conversation
    if request.method in READ_METHODS:
        raise EarlyResponse(_redirect(request, conversation))
    raise conversation_merged(conversation)


def conversation_merged(conversation: Conversation) -> ApiError:
    """A write to a merged conversation: 404, with the conversation it was merged into."""
    return ApiError(
        404,
        "conversation_merged",
        "The conversation was merged.",
        details={"mergedInto": conversation.merged_into.public_id},
    )


def _redirect(request, conversation: Conversation):
    """301 to the request's own path (and query) with the merged id replaced by the live end's."""
    final = conversation_final(conversation)
    head, _, tail = request.path.partition("/conversations/")
    suffix = tail[len(conversation.public_id) :]
    location = f"{head}/conversations/{quote(final.public_id, safe=':~')}{suffix}"
    if request.META.get("QUERY_STRING"):
        location += f"?{request.META['QUERY_STRING']}"
    return moved_permanently(old_id=conversation.public_id, final_id=final.public_id, location=location)
