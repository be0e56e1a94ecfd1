from django import template

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
