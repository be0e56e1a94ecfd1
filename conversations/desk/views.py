"""The agent desk: server-rendered pages with a little vanilla JS for live updates (issue: the agent desk)."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import condition, require_GET, require_POST

from agents.demo import DEMO_ACCOUNT
from agents.models import Account, Agent
from agents.services import agent_for_user
from conversations.desk.forms import ActionForm, ReplyForm
from conversations.desk.selectors import (
    INBOX_STATUSES,
    INBOX_VIEWS,
    desk_accounts,
    desk_conversations,
    desk_customer_panel,
    desk_inbox,
    desk_inbox_counts,
    desk_inbox_version,
    desk_media,
    desk_recent_delivery,
    desk_search,
    desk_timeline,
)
from conversations.media_serving import media_response, media_thumbnail
from conversations.models import Conversation
from conversations.services import desk_assign, desk_reply, desk_status_change, read_marker_advance
from conversations.typing import agent_typing_set, customer_typing_get
from messenger_project.errors import ServiceError
from messenger_project.numbers import is_digits

MEDIA_CACHE_CONTROL = "private, max-age=86400"


def agent_required(view):
    """Signed in (the admin's login) and an agent: the desk is theirs only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        agent = Agent.objects.filter(user=request.user).first()
        if agent is None and request.user.is_superuser:
            # The server's operator (`createsuperuser`) needs no setup to answer: their agent is made on their
            # first visit, and serves every account (desk_accounts). Without it, nobody would see a new account.
            agent = agent_for_user(user=request.user)
        if agent is None or agent.is_bot:
            raise Http404("Not an agent")
        agent.user = request.user  # spares a query wherever the access rule asks whether it is a superuser
        request.agent = agent
        return view(request, *args, **kwargs)

    return wrapper


def _inbox_params(request) -> dict:
    view = request.GET.get("view", "all")
    status = request.GET.get("status", "open")
    account = request.GET.get("account", "")
    return {
        "view": view if view in INBOX_VIEWS else "all",
        "status": status if status in INBOX_STATUSES else "open",
        "account_id": int(account) if is_digits(account) else None,
    }


def _inbox_etag(request) -> str | None:
    agent = getattr(request, "agent", None)  # set by agent_required, which runs first
    if agent is None or request.GET.get("partial") != "1":
        return None
    state = f"{agent.pk}|{desk_inbox_version(agent=agent)}|{sorted(request.GET.items())}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


@require_GET
@agent_required
@condition(etag_func=_inbox_etag)
def inbox(request):
    params = _inbox_params(request)
    query = request.GET.get("q", "").strip()
    context = {
        **params,
        "rows": desk_inbox(agent=request.agent, **params),
        "counts": desk_inbox_counts(agent=request.agent, status=params["status"], account_id=params["account_id"]),
        "views": INBOX_VIEWS,
        "statuses": INBOX_STATUSES,
        "accounts": desk_accounts(agent=request.agent),
        "query": query,
    }
    if query:
        context["found_customers"], context["found_messages"] = desk_search(agent=request.agent, query=query)
    template = "agents/_inbox_rows.html" if request.GET.get("partial") == "1" else "agents/inbox.html"
    return render(request, template, context)


def _conversation(request, pk: int) -> Conversation:
    """Another account's conversation is a 404, never a 403."""
    return get_object_or_404(
        desk_conversations(agent=request.agent).select_related("account", "assignee", "primary_customer"), pk=pk
    )


def _items_html(request, items) -> str:
    return render_to_string("agents/_timeline_items.html", {"items": items, "agent": request.agent}, request)


@require_GET
@agent_required
def conversation_detail(request, pk: int):
    conversation = _conversation(request, pk)
    items, has_older = desk_timeline(conversation=conversation)
    messages = [item.message for item in items if item.message]
    if messages:
        read_marker_advance(agent=request.agent, conversation=conversation, message_id=messages[-1].pk)
    assignable = list(Agent.objects.filter(memberships__account=conversation.account).order_by("display_name"))
    return render(
        request,
        "agents/conversation.html",
        {
            "conversation": conversation,
            "items": items,
            "has_older": has_older,
            "last_id": messages[-1].pk if messages else 0,
            "customers": desk_customer_panel(conversation=conversation, agent=request.agent),
            "assignable": assignable,
            # Only an agent serving the account may be assigned (a superuser reads every account, serving none).
            "may_take": any(a.pk == request.agent.pk for a in assignable),
            "reply_form": ReplyForm(),
            "customer_typing": customer_typing_get(conversation_id=conversation.pk) is not None,
        },
    )


@require_GET
@agent_required
def conversation_updates(request, pk: int):
    """What changed since `after` (a message id cursor): new items, typing, status and delivery marks."""
    conversation = _conversation(request, pk)
    after = request.GET.get("after", "0")
    after = int(after) if is_digits(after) else 0
    items, _ = desk_timeline(conversation=conversation, after=after)
    messages = [item.message for item in items if item.message]
    if messages:
        read_marker_advance(agent=request.agent, conversation=conversation, message_id=messages[-1].pk)
    return JsonResponse(
        {
            "html": _items_html(request, items) if items else "",
            "last_id": messages[-1].pk if messages else after,
            "typing": customer_typing_get(conversation_id=conversation.pk) is not None,
            "status": conversation.status,
            "assignee": conversation.assignee.display_name if conversation.assignee else "",
            "delivery": desk_recent_delivery(conversation=conversation),
        }
    )


@require_GET
@agent_required
def conversation_older(request, pk: int):
    conversation = _conversation(request, pk)
    before = request.GET.get("before", "")
    if not is_digits(before):
        return JsonResponse({"error": "before must be a message id"}, status=400)
    items, has_older = desk_timeline(conversation=conversation, before=int(before))
    return JsonResponse({"html": _items_html(request, items), "has_older": has_older})


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@agent_required
def conversation_reply(request, pk: int):
    conversation = _conversation(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    error = None
    if form.is_valid():
        try:
            desk_reply(
                conversation=conversation,
                agent=request.agent,
                text=form.cleaned_data["text"],
                image=form.cleaned_data.get("image"),
            )
        except ServiceError as exc:
            error = {"invalid_media_type": "Only images can be attached."}.get(exc.code, exc.message)
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if _wants_json(request):
        return JsonResponse({"ok": error is None, "error": error}, status=400 if error else 200)
    if error:
        flash.error(request, error)
    return redirect("desk:conversation", pk=conversation.pk)


@require_POST
@agent_required
def conversation_action(request, pk: int):
    conversation = _conversation(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Unknown action.")
        return redirect("desk:conversation", pk=pk)
    action = form.cleaned_data["action"]
    try:
        if action == "assign":
            target = form.cleaned_data["assignee"]
            assignee = (
                request.agent
                if target == "me"
                else (get_object_or_404(Agent, pk=int(target)) if is_digits(target) else None)
            )
            desk_assign(conversation=conversation, agent=request.agent, assignee=assignee)
        else:
            desk_status_change(conversation=conversation, agent=request.agent, action=action)
    except ServiceError as exc:
        flash.error(request, exc.message.replace("_", " "))
    return redirect("desk:conversation", pk=pk)


@require_POST
@agent_required
def conversation_typing(request, pk: int):
    conversation = _conversation(request, pk)
    agent_typing_set(conversation=conversation, agent=request.agent, typing=request.POST.get("state") == "start")
    return HttpResponse(status=204)


@require_GET
@agent_required
def media_file(request, media_uuid):
    """Media of the agent's accounts, served as conversations/media_serving.py decides (inline only for a checked
    image); `?thumb=1` gives a scaled copy of a checked image, and a 404 when there is none to give."""
    media = get_object_or_404(desk_media(agent=request.agent), uuid=media_uuid)
    if request.GET.get("thumb") == "1":
        thumbnail = media_thumbnail(media, cache_control=MEDIA_CACHE_CONTROL)
        if thumbnail is None:
            raise Http404("No thumbnail")
        return thumbnail
    try:
        return media_response(media, surface="desk", cache_control=MEDIA_CACHE_CONTROL)
    except OSError:
        raise Http404("File missing") from None


def demo(request):
    """A shop page that embeds the web chat widget for the demo account (`manage.py seed_demo`)."""
    account = Account.objects.filter(name=DEMO_ACCOUNT).first()
    if account is None:
        raise Http404("Run manage.py seed_demo first.")
    return render(request, "agents/demo.html", {"account": account})
