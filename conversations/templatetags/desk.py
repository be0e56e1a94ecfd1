from django import template
from django.conf import settings
from django.urls import reverse

from conversations.desk.forms import CustomerEditForm
from conversations.desk.selectors import message_delivery

register = template.Library()


@register.filter
def delivery(message) -> str:
    """sent / received / seen by the customer."""
    return message_delivery(message)


@register.filter
def first_line(text: str | None) -> str:
    """The first non-empty line of a message, for inbox previews."""
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


@register.simple_tag
def stream_url(name: str) -> str:
    """Where a page opens its event stream: this site, or the stream process's own address (`STREAM_URL`)."""
    return settings.STREAM_URL + reverse(name)


@register.inclusion_tag("agents/_customer_edit_form.html", takes_context=True)
def customer_edit_form(context, conversation, customer) -> dict:
    """The panel's edit form of `customer`: the submitted one when the page answers that edit (`edit_form`, with
    its errors), else one holding what is stored."""
    submitted = context.get("edit_form")
    form = submitted if submitted is not None and submitted.customer.pk == customer.pk else None
    return {
        "form": form or CustomerEditForm(customer=customer),
        "conversation": conversation,
        "customer": customer,
        "csrf_token": context.get("csrf_token"),
    }
