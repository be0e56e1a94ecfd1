"""The desk's page of canned replies: an agent lists, adds, edits and deletes those of the accounts they serve
(operators do the same in the admin); the composer picks them with `/shortcut`."""

from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from conversations.desk.forms import CannedReplyForm
from conversations.desk.selectors import desk_accounts
from conversations.desk.views import agent_required
from conversations.models import CannedReply
from conversations.services import canned_reply_delete, canned_reply_save
from messenger_project.errors import ServiceError


def _replies(agent):
    return CannedReply.objects.filter(account__in=desk_accounts(agent=agent)).select_related("account")


@require_http_methods(["GET", "POST"])
@agent_required
def canned_replies(request, pk: int | None = None):
    """The list with a form: a new reply, or (`pk`) the one being edited."""
    accounts = list(desk_accounts(agent=request.agent))
    editing = get_object_or_404(_replies(request.agent), pk=pk) if pk else None
    initial = (
        {"account": editing.account_id, "shortcut": editing.shortcut, "title": editing.title, "text": editing.text}
        if editing
        else {}
    )
    form = CannedReplyForm(request.POST or None, accounts=accounts, initial=initial)
    form.fields["account"].disabled = editing is not None  # a reply stays in its account
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.pk == form.cleaned_data["account"])
        try:
            reply = canned_reply_save(
                account=account,
                shortcut=form.cleaned_data["shortcut"],
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                canned_reply=editing,
            )
        except ServiceError as exc:
            for field, errors in (exc.details or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.details:
                form.add_error("shortcut", exc.message)
        else:
            flash.success(request, _("/%(shortcut)s is saved.") % {"shortcut": reply.shortcut})
            return redirect("desk:canned")
    replies = _replies(request.agent).order_by("account__name", "shortcut")
    status = 400 if form.errors else 200
    context = {"form": form, "replies": replies, "editing": editing, "accounts": accounts}
    return render(request, "agents/canned.html", context, status=status)


@require_POST
@agent_required
def canned_reply_remove(request, pk: int):
    reply = get_object_or_404(_replies(request.agent), pk=pk)
    shortcut = reply.shortcut
    canned_reply_delete(canned_reply=reply)
    flash.success(request, _("/%(shortcut)s is deleted.") % {"shortcut": shortcut})
    return redirect("desk:canned")
