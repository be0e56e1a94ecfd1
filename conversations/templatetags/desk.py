from django import template
from django.conf import settings
from django.urls import reverse

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
