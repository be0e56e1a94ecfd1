import re
import zlib

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from conversations.desk.forms import CustomerEditForm
from conversations.desk.selectors import message_delivery
from conversations.media_serving import agent_avatar_url

register = template.Library()

AVATAR_COLOURS = 6  # .avatar.c0 … .c5 in desk.css: colours, not inline styles (the page's policy allows none)
EXCERPT_CHARS = 160


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


def initials(name: str) -> str:
    words = [word for word in re.split(r"\s+", name.strip()) if word]
    return "".join(word[0] for word in words[:2]).upper() or "?"


@register.simple_tag
def avatar(person) -> str:
    """An agent's uploaded avatar, or the initials of an agent or customer on a colour of their own (decoration:
    the name always stands beside it, so it is hidden from screen readers)."""
    if person is None:
        return format_html('<span class="avatar c0" aria-hidden="true">?</span>')
    picture = getattr(person, "avatar", None)
    if picture:
        return format_html('<img class="avatar" src="{}" alt="" aria-hidden="true">', agent_avatar_url(picture.name))
    name = getattr(person, "display_name", "") or ""
    colour = zlib.crc32(f"{type(person).__name__}{person.pk}".encode()) % AVATAR_COLOURS
    return format_html('<span class="avatar c{}" aria-hidden="true">{}</span>', colour, initials(name))


@register.simple_tag(takes_context=True)
def list_query_with(context, **changes) -> str:
    """The list's query string (`list_params` of the page) with some parameters changed."""
    params = {**context.get("list_params", {}), **changes}
    return urlencode({key: value for key, value in params.items() if value not in (None, "")})


@register.filter
def highlight(text: str, query: str) -> str:
    """An excerpt of `text` around the first word of `query` it holds, each such word marked (<mark>); the start of
    the text when none is found as typed (a full-text match of another form of the word)."""
    text = " ".join((text or "").split())
    words = [re.escape(word) for word in (query or "").split() if word]
    pattern = re.compile("|".join(words), re.IGNORECASE) if words else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - EXCERPT_CHARS // 3) if first else 0
    excerpt = text[start : start + EXCERPT_CHARS]
    parts, last = [], 0
    for match in pattern.finditer(excerpt) if pattern else ():
        parts += [escape(excerpt[last : match.start()]), format_html("<mark>{}</mark>", match.group())]
        last = match.end()
    parts.append(escape(excerpt[last:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + EXCERPT_CHARS < len(text) else ""
    return mark_safe(prefix + "".join(parts) + suffix)


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


@register.simple_tag
def stars(rating: int | None) -> str:
    """A 1–5 rating as five stars, filled up to it, with its number for screen readers (#20)."""
    if rating is None:
        return ""
    filled, empty = "★" * rating, "☆" * (5 - rating)
    return format_html(
        '<span class="stars" role="img" aria-label="{}"><span aria-hidden="true">{}<span class="empty">{}</span>'
        "</span></span>",
        _("%(rating)s out of 5") % {"rating": rating},
        filled,
        empty,
    )
