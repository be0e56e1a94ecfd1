"""Canned replies: an account's saved answers, managed by operators in the admin and by agents at the desk."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agents.models import Account
from conversations.models import CannedReply
from messenger_project.errors import ServiceError


def canned_reply_save(
    *, account: Account, shortcut: str, text: str, title: str = "", canned_reply: CannedReply | None = None
) -> CannedReply:
    """Create (without `canned_reply`) or update one of the account's canned replies.

    ServiceError `invalid_canned_reply` with the field errors in `details` (a shortcut of 1–40 letters, digits, `-`
    and `_`; a text); `shortcut_taken` (409) when another reply of the account has that shortcut, whatever its case.
    """
    if canned_reply is not None and canned_reply.account_id != account.pk:
        raise ServiceError("not_found", status_code=404)
    reply = canned_reply or CannedReply(account=account)
    reply.shortcut = str(shortcut).strip()
    reply.title = str(title).strip()
    reply.text = str(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        reply.full_clean(exclude=["account"], validate_constraints=False)
    except ValidationError as error:
        raise ServiceError(
            "invalid_canned_reply", message="Check the canned reply.", details=error.message_dict
        ) from None
    taken = ServiceError("shortcut_taken", status_code=409, message=f"/{reply.shortcut} is taken.")
    if CannedReply.objects.filter(account=account, shortcut__iexact=reply.shortcut).exclude(pk=reply.pk).exists():
        raise taken
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:  # taken meanwhile (the unique constraint decides)
        raise taken from None
    return reply


def canned_reply_delete(*, canned_reply: CannedReply) -> None:
    canned_reply.delete()
