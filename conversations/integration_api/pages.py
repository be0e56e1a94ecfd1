"""The one list envelope of `/api/v2` (Help Scout's HAL page): `_embedded`, `page` and absolute `_links`.

Every list response of the integration API's v2 side is built by `hal_list`, and documented by `hal_list_serializer`
from the same declaration. Links are absolute (`request.build_absolute_uri`): the request's own scheme and host, or,
with `DJANGO_BEHIND_PROXY` on, those of `X-Forwarded-Proto` / `X-Forwarded-Host` (SECURE_PROXY_SSL_HEADER and
USE_X_FORWARDED_HOST in settings). Each link is the request's own path and query string with `page` replaced; every
other parameter is kept. A page past the end is an empty `_embedded` list with the same `page` object (as Help Scout
answers), never an error.
"""

from __future__ import annotations

from urllib.parse import urlencode

from rest_framework import serializers

from messenger_project.integration_api.serializers import LinkSerializer


def page_count(total: int, size: int) -> int:
    return -(-total // size) if size else 0


def page_href(request, number: int) -> str:
    """The absolute URL of this request with `page=number` (the other query parameters kept, in their order)."""
    params = [(k, v) for k, v in request.GET.lists() if k != "page"]
    pairs = [(k, value) for k, values in params for value in values] + [("page", str(number))]
    return request.build_absolute_uri(f"{request.path}?{urlencode(pairs)}")


def hal_list(request, *, key: str, items: list, page: int, size: int, total: int) -> dict:
    """A HAL page of the rendered `items` under `_embedded[key]`.

    `page` is 1-based; `total` counts every item of every page. `next` and `previous` appear only when there is
    such a page (`previous` of a page past the end is the last page); `prev` is the same link under the name the
    API used before Help Scout's (kept: clients read it).
    """
    pages = page_count(total, size)
    links = {"self": {"href": page_href(request, page)}, "first": {"href": page_href(request, 1)}}
    if page < pages:
        links["next"] = {"href": page_href(request, page + 1)}
    if page > 1:
        previous = {"href": page_href(request, min(page - 1, max(pages, 1)))}
        links["previous"] = previous
        links["prev"] = previous
    links["last"] = {"href": page_href(request, max(pages, 1))}
    return {
        "_embedded": {key: list(items)},
        "page": {"size": size, "totalElements": total, "totalPages": pages, "number": page},
        "_links": links,
    }


class PageSerializer(serializers.Serializer):
    size = serializers.IntegerField(help_text="The page size asked for.")
    totalElements = serializers.IntegerField()
    totalPages = serializers.IntegerField()
    number = serializers.IntegerField(help_text="1-based.")


class PageLinksSerializer(serializers.Serializer):
    self = LinkSerializer(help_text="Absolute, as every link here.")
    first = LinkSerializer()
    next = LinkSerializer(required=False, help_text="Only when there is a next page.")
    previous = LinkSerializer(required=False, help_text="Only when there is a page before this one.")
    prev = LinkSerializer(required=False, help_text="The same as `previous` (the name used before).")
    last = LinkSerializer()


_made: dict[str, type[serializers.Serializer]] = {}


def hal_list_serializer(name: str, key: str, item: type[serializers.Serializer]):
    """The documented shape of `hal_list(key=key, …)` whose items are `item`s: one declaration per list.

    `name` names the component (`Conversation` → `ConversationPage`, `ConversationPageEmbedded`)."""
    if name in _made:
        return _made[name]
    embedded = type(
        f"{name}PageEmbeddedSerializer",
        (serializers.Serializer,),
        {key: item(many=True), "__doc__": f"The page's {key}."},
    )
    page = type(
        f"{name}PageSerializer",
        (serializers.Serializer,),
        {
            "__doc__": f"A HAL page of {key}: Help Scout's list envelope.",
            "_embedded": embedded(),
            "page": PageSerializer(),
            "_links": PageLinksSerializer(help_text="Absolute links that keep every query parameter but `page`."),
        },
    )
    _made[name] = page
    return page


def hal_all(request, *, key: str, items: list) -> dict:
    """A short list the API does not page (an account's teams, webhooks): all of it as page 1 of 1."""
    items = list(items)
    return hal_list(request, key=key, items=items, page=1, size=max(len(items), 1), total=len(items))
