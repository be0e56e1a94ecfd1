"""The agent desk: server-rendered pages with a little vanilla JS for live updates (issue: the agent desk)."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import condition, require_GET, require_POST

from agents.demo import DEMO_ACCOUNT
from agents.models import Account, Agent, Team
from agents.services import agent_for_user, agent_preferences_set
from conversations.canned import canned_reply_render
from conversations.desk.forms import (
    ActionForm,
    LabelForm,
    PreferencesForm,
    ReplyForm,
    agent_time_zone,
    snooze_until,
)
from conversations.desk.selectors import (
    INBOX_PAGE,
    INBOX_SORTS,
    INBOX_STATUSES,
    INBOX_VIEWS,
    desk_accounts,
    desk_assignees,
    desk_conversation_ratings,
    desk_conversations,
    desk_customer_panel,
    desk_inbox,
    desk_inbox_counts,
    desk_inbox_version,
    desk_labels,
    desk_media,
    desk_recent_delivery,
    desk_search,
    desk_timeline,
)
from conversations.media_serving import media_response, media_thumbnail
from conversations.models import Conversation
from conversations.reports import agent_sees_reports
from conversations.selectors import canned_replies_for, labels_for
from conversations.services import (
    BULK_ACTIONS,
    conversation_snooze,
    conversation_wake,
    desk_assign,
    desk_bulk,
    desk_reply,
    desk_status_change,
    label_add,
    label_remove,
    note_add,
    read_marker_advance,
)
from conversations.typing import agent_typing_set, customer_typing_get
from messenger_project.errors import ServiceError
from messenger_project.numbers import is_digits
from messenger_project.outage import RETRY_AFTER_SECONDS

MEDIA_CACHE_CONTROL = "private, max-age=86400"


def agent_required(view):
    """Signed in (the admin's login) and an agent: the desk is theirs only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # With whether it sees any account's reports (the top bar's link), in the same query.
        agent = Agent.objects.filter(user=request.user).annotate(sees_reports=agent_sees_reports()).first()
        if agent is None and request.user.is_superuser:
            # The server's operator (`createsuperuser`) needs no setup to answer: their agent is made on their
            # first visit, and serves every account (desk_accounts). Without it, nobody would see a new account.
            agent = agent_for_user(user=request.user)
        if agent is None or agent.is_bot:
            raise Http404("Not an agent")
        agent.user = request.user  # spares a query wherever the access rule asks whether it is a superuser
        request.agent = agent
        # In the agent's language (their browser's, English or Dutch), for this request only: the thread goes on
        # to serve the APIs, which stay English.
        with translation.override(translation.get_language_from_request(request)):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        patch_vary_headers(response, ("Accept-Language",))
        return response

    return wrapper


def _list_params(request) -> dict:
    """The list's view, filters, sort and search, from the query string (anything unknown falls back)."""
    view = request.GET.get("view", "all")
    query = request.GET.get("q", "").strip()[:200]
    # A search looks at every status unless told otherwise: the answer may well be in a closed conversation.
    status = request.GET.get("status", "all" if query else "open")
    sort = request.GET.get("sort", "waiting")
    account = request.GET.get("account", "")
    assignee = request.GET.get("assignee", "")
    label = request.GET.get("label", "")
    return {
        "view": view if view in INBOX_VIEWS else "all",
        "status": status if status in INBOX_STATUSES else "open",
        "sort": sort if sort in INBOX_SORTS else "waiting",
        "account": int(account) if is_digits(account) else None,
        "assignee": int(assignee) if is_digits(assignee) else None,
        "label": int(label) if is_digits(label) else None,
        "q": query,
    }


def _list_context(request, conversation: Conversation | None = None) -> dict:
    """What the list pane shows: the rows of the view (or the search results) and the counts of each view."""
    params = _list_params(request)
    agent = request.agent
    filters = {
        "status": params["status"],
        "account_id": params["account"],
        "assignee_id": params["assignee"],
        "label_id": params["label"],
    }
    context = {
        **params,
        "account_id": params["account"],
        "assignee_id": params["assignee"],
        "query": params["q"],
        "list_params": params,
        "list_query": urlencode({key: value for key, value in params.items() if value}),
        "counts": desk_inbox_counts(agent=agent, **filters),
        "views": list(INBOX_VIEWS.items()),
        "statuses": list(INBOX_STATUSES.items()),
        "sorts": list(INBOX_SORTS.items()),
        "accounts": desk_accounts(agent=agent),
        "assignees": desk_assignees(agent=agent),
        "filter_labels": desk_labels(agent=agent),
        "label_id": params["label"],
        "conversation": conversation,
    }
    if params["q"]:
        page = request.GET.get("page", "1")
        page = min(int(page), 1000) if is_digits(page) and int(page) > 0 else 1
        context["results"] = desk_search(
            agent=agent, query=params["q"], status=params["status"], label_id=params["label"], page=page
        )
    else:
        context["rows"] = desk_inbox(agent=agent, view=params["view"], sort=params["sort"], **filters)
        context["unread_total"] = sum(row.unread for row in context["rows"])
    return context


def _inbox_etag(request) -> str | None:
    agent = getattr(request, "agent", None)  # set by agent_required, which runs first
    if agent is None or request.GET.get("partial") != "1":
        return None
    language = translation.get_language_from_request(request)
    state = f"{agent.pk}|{language}|{desk_inbox_version(agent=agent)}|{sorted(request.GET.items())}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


@require_GET
@agent_required
@condition(etag_func=_inbox_etag)
def inbox(request):
    """The desk: the list, and an empty conversation pane (`?partial=1`: the rows alone, for the list's polls)."""
    context = _list_context(request)
    template = "agents/_inbox_rows.html" if request.GET.get("partial") == "1" else "agents/desk.html"
    return render(request, template, context)


def _conversation(request, pk: int) -> Conversation:
    """Another account's conversation is a 404, never a 403."""
    return get_object_or_404(
        desk_conversations(agent=request.agent).select_related("account", "assignee", "primary_customer", "team"), pk=pk
    )


def _items_html(request, items) -> str:
    return render_to_string("agents/_timeline_items.html", {"items": items, "agent": request.agent}, request)


def _conversation_context(request, conversation: Conversation) -> dict:
    items, has_older = desk_timeline(conversation=conversation)
    messages = [item.message for item in items if item.message]
    if messages:
        read_marker_advance(agent=request.agent, conversation=conversation, message_id=messages[-1].pk)
    assignable = list(Agent.objects.filter(memberships__account=conversation.account).order_by("display_name"))
    params = _list_params(request)
    return {
        "conversation": conversation,
        "items": items,
        "has_older": has_older,
        "last_id": messages[-1].pk if messages else 0,
        "customers": desk_customer_panel(conversation=conversation, agent=request.agent),
        "ratings": desk_conversation_ratings(conversation=conversation),
        "assignable": assignable,
        "teams": list(Team.objects.filter(account_id=conversation.account_id).order_by("name")),
        # Only an agent serving the account may be assigned (a superuser reads every account, serving none).
        "may_take": any(a.pk == request.agent.pk for a in assignable),
        "reply_form": ReplyForm(),
        "customer_typing": customer_typing_get(conversation_id=conversation.pk) is not None,
        "list_query": urlencode({key: value for key, value in params.items() if value}),
        "labels": list(conversation.labels.order_by("name")),
        "snooze_choices": [
            ("1h", _("For an hour")),
            ("4h", _("For 4 hours")),
            ("tomorrow", _("Until tomorrow, 9:00")),
            ("next_week", _("Until Monday, 9:00")),
            ("customer", _("Until the customer writes")),
        ],
        "account_labels": list(labels_for(account=conversation.account)),
        # Rendered for this customer and this agent: the composer's `/shortcut` puts the text in as it will go out.
        "canned": [
            {
                "shortcut": reply.shortcut,
                "title": reply.title,
                "text": canned_reply_render(
                    text=reply.text, customer=conversation.primary_customer, agent=request.agent
                ),
            }
            for reply in canned_replies_for(account=conversation.account)
        ],
    }


def _back_to_conversation(request, pk: int) -> HttpResponse:
    """After an action: the conversation's panes again for htmx (no redirect to follow), else a redirect to it."""
    if request.htmx:
        conversation = _conversation(request, pk)
        return render(request, "agents/conversation.html", _conversation_context(request, conversation))
    return redirect("desk:conversation", pk=pk)


@require_GET
@agent_required
def conversation_detail(request, pk: int):
    """The conversation in the desk's middle pane, its customer on the right: the whole desk for a page load, the
    two panes alone for htmx (the list pane stays as it is, live)."""
    conversation = _conversation(request, pk)
    context = _conversation_context(request, conversation)
    if request.htmx and not request.htmx.boosted:
        return render(request, "agents/conversation.html", context)
    return render(request, "agents/desk.html", {**_list_context(request, conversation), **context})


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
    status = 400
    if form.is_valid():
        try:
            if form.cleaned_data["private"]:
                if form.cleaned_data.get("image"):
                    raise ServiceError("note_image", message=_("A private note is text only."))
                note_add(conversation=conversation, agent=request.agent, text=form.cleaned_data["text"])
            else:
                desk_reply(
                    conversation=conversation,
                    agent=request.agent,
                    text=form.cleaned_data["text"],
                    image=form.cleaned_data.get("image"),
                )
        except ServiceError as exc:
            error = {"invalid_media_type": "Only images can be attached."}.get(exc.code, exc.message)
            status = max(status, exc.status_code)  # 503 when the file storage is down
    else:
        error = " ".join(e for errors in form.errors.values() for e in errors)
    if _wants_json(request):
        return JsonResponse({"ok": error is None, "error": error}, status=status if error else 200)
    if error:
        flash.error(request, error)
    return redirect("desk:conversation", pk=conversation.pk)


@require_POST
@agent_required
def conversation_action(request, pk: int):
    conversation = _conversation(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        flash.error(request, _("Unknown action."))
        return _back_to_conversation(request, pk)
    action = form.cleaned_data["action"]
    try:
        if action == "snooze":
            until = snooze_until(form.cleaned_data["until"], zone=agent_time_zone(form.cleaned_data["tz"]))
            conversation_snooze(conversation=conversation, agent=request.agent, until=until)
        elif action == "wake":
            conversation_wake(conversation=conversation, agent=request.agent)
        elif action == "assign":
            target = form.cleaned_data["assignee"]
            assignee = (
                request.agent
                if target == "me"
                # Only a member of the conversation's account: another tenant's agent is as unknown as none.
                else (
                    get_object_or_404(Agent, pk=int(target), memberships__account=conversation.account)
                    if is_digits(target)
                    else None
                )
            )
            desk_assign(conversation=conversation, agent=request.agent, assignee=assignee)
        else:
            desk_status_change(conversation=conversation, agent=request.agent, action=action)
    except ServiceError as exc:
        flash.error(request, exc.message.replace("_", " "))
    except ValidationError as exc:
        flash.error(request, " ".join(exc.messages))
    return _back_to_conversation(request, pk)


@require_POST
@agent_required
def conversation_labels(request, pk: int):
    """Adds a label (made in the account if new) or removes one."""
    conversation = _conversation(request, pk)
    form = LabelForm(request.POST)
    form.is_valid()  # two optional names: the services judge them
    try:
        if form.cleaned_data.get("add", "").strip():
            label_add(conversation=conversation, name=form.cleaned_data["add"], actor_agent=request.agent)
        if form.cleaned_data.get("remove", "").strip():
            label_remove(conversation=conversation, name=form.cleaned_data["remove"], actor_agent=request.agent)
    except ServiceError as exc:
        flash.error(request, exc.message)
    return _back_to_conversation(request, pk)


@require_POST
@agent_required
def conversation_typing(request, pk: int):
    conversation = _conversation(request, pk)
    agent_typing_set(conversation=conversation, agent=request.agent, typing=request.POST.get("state") == "start")
    return HttpResponse(status=204)


def _back(request) -> str:
    """Where a form of the desk returns to: its `next` when that is a desk page, else the inbox."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) and back.startswith("/desk/"):
        return back
    return reverse("desk:inbox")


@require_POST
@agent_required
def preferences(request):
    """The agent's notification choices (desktop notifications, a sound)."""
    form = PreferencesForm(request.POST)
    form.is_valid()  # two check boxes: nothing to refuse
    agent_preferences_set(agent=request.agent, **form.cleaned_data)
    if _wants_json(request):
        return JsonResponse({"ok": True, **form.cleaned_data})
    flash.success(request, _("Your notification settings are saved."))
    return redirect(_back(request))


@require_POST
@agent_required
def bulk(request):
    """One action on the conversations ticked in the list; back to the list with what was done."""
    ids = [int(value) for value in request.POST.getlist("ids") if is_digits(value)][:INBOX_PAGE]
    action = request.POST.get("action", "")
    back = _back(request)
    if action not in BULK_ACTIONS or not ids:
        flash.error(request, _("Choose conversations and an action."))
        return redirect(back)
    conversations = desk_conversations(agent=request.agent).select_related("account", "assignee").filter(pk__in=ids)
    may_assign = not conversations.exclude(account__memberships__agent=request.agent).exists()
    try:
        changed = desk_bulk(
            conversations=list(conversations),
            agent=request.agent,
            action=action,
            may_assign=may_assign,
            label=request.POST.get("label", ""),
        )
    except ServiceError as exc:
        flash.error(request, exc.message)
        return redirect(back)
    flash.success(
        request,
        ngettext("%(n)d conversation changed.", "%(n)d conversations changed.", changed) % {"n": changed},
    )
    return redirect(back)


@require_GET
@agent_required
def media_file(request, media_uuid):
    """Media of the agent's accounts, served as conversations/media_serving.py decides (inline only for a checked
    image); `?thumb=1` gives a scaled copy of a checked image, and a 404 when there is none to give."""
    media = get_object_or_404(desk_media(agent=request.agent), uuid=media_uuid)
    try:
        if request.GET.get("thumb") == "1":
            thumbnail = media_thumbnail(media, cache_control=MEDIA_CACHE_CONTROL)
            if thumbnail is None:
                raise Http404("No thumbnail")
            return thumbnail
        return media_response(media, surface="desk", cache_control=MEDIA_CACHE_CONTROL)
    except FileNotFoundError:
        raise Http404("File missing") from None
    except ServiceError as exc:  # storage_unavailable
        return HttpResponse(
            exc.message,
            status=exc.status_code,
            content_type="text/plain; charset=utf-8",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "X-Content-Type-Options": "nosniff"},
        )


def demo(request):
    """A shop page that embeds the web chat widget for the demo account (`manage.py seed_demo`)."""
    account = Account.objects.filter(name=DEMO_ACCOUNT).first()
    if account is None:
        raise Http404("Run manage.py seed_demo first.")
    return render(request, "agents/demo.html", {"account": account})
