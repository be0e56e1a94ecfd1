from django import template

from conversations.desk_selectors import message_delivery

register = template.Library()


@register.filter
def delivery(message) -> str:
    """sent / received / seen by the customer."""
    return message_delivery(message)
