"""Help Scout's list envelope (HAL): `_embedded`, a `page` object and absolute `_links` (#21).

(The lead keeps one version of this module at merge; the contract is the signature of `hal_list` below.)
"""

from __future__ import annotations

from math import ceil


def _page_href(request, page: int) -> str:
    """This request's absolute URL with `page` set (every other query parameter kept)."""
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def hal_list(request, *, key: str, items: list, page: int, size: int, total: int) -> dict:
    """The HAL page around `items` (already rendered) of `total` elements, `size` a page, this being `page`."""
    pages = ceil(total / size) if size else 0
    last = max(pages, 1)
    links = {"self": {"href": _page_href(request, page)}, "first": {"href": _page_href(request, 1)}}
    if page > 1:
        links["previous"] = {"href": _page_href(request, min(page - 1, last))}
    if page < pages:
        links["next"] = {"href": _page_href(request, page + 1)}
    links["last"] = {"href": _page_href(request, last)}
    return {
        "_embedded": {key: items},
        "page": {"size": size, "totalElements": total, "totalPages": pages, "number": page},
        "_links": links,
    }
