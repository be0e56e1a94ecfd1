"""The desk's edit of a customer, from the customer panel of a conversation page (#19 item 7)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from conversations.desk.forms import CustomerEditForm
from conversations.desk.selectors import desk_conversation_customers, desk_conversations, desk_customer_panel
from conversations.desk.views import agent_required
from devices.services import customer_desk_edit
from messenger_project.errors import ServiceError

# A service's refusal, shown next to the field it is about.
SERVICE_ERROR_FIELDS = {"email_taken": "email", "phone_taken": "phone"}


def _wants_fragment(request) -> bool:
    """htmx (`HX-Request: true`), or a client asking for an HTML fragment: the panel alone, not a redirect."""
    return request.headers.get("HX-Request") == "true" or "fragment" in request.headers.get("Accept", "")


@require_POST
@agent_required
def customer_edit(request, pk: int, customer_id: int):
    """Another account's conversation, or a customer not in this conversation, is a 404."""
    conversation = get_object_or_404(desk_conversations(agent=request.agent).select_related("account"), pk=pk)
    customer = get_object_or_404(desk_conversation_customers(conversation=conversation), pk=customer_id)
    form = CustomerEditForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            customer_desk_edit(customer=customer, user=request.user, changes=form.changes())
        except ServiceError as exc:
            form.add_error(SERVICE_ERROR_FIELDS.get(exc.code), exc.message)
    fragment = _wants_fragment(request)
    if form.is_valid() and not fragment:
        return redirect("desk:conversation", pk=conversation.pk)
    context = {
        "conversation": conversation,
        "customers": desk_customer_panel(conversation=conversation, agent=request.agent),
        "edit_form": None if form.is_valid() else form,
    }
    if fragment:
        # 200 with the errors too: htmx swaps only a 2xx answer in.
        return render(request, "agents/_customer_panel.html", context)
    return render(request, "agents/customer_edit.html", context, status=422)
