"""The one list envelope of /api/v2 (#21, `integration_api/pages.py`): Help Scout's `_embedded`, `page` and absolute
`_links`, from the request's scheme and host or, behind the proxy, from the forwarded headers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.django_db


def test_links_are_absolute_and_keep_the_query(api, make_conversation):
    for n in range(3):
        make_conversation(f"c{n}")

    body = api.get("/api/v2/conversations", {"size": "1", "page": "2", "status": "all"}).json()

    assert body["page"] == {"size": 1, "totalElements": 3, "totalPages": 3, "number": 2}
    assert set(body["_links"]) == {"self", "first", "next", "previous", "prev", "last"}
    for name, page in {"self": "2", "first": "1", "next": "3", "previous": "1", "last": "3"}.items():
        url = urlsplit(body["_links"][name]["href"])
        assert (url.scheme, url.netloc, url.path) == ("http", "testserver", "/api/v2/conversations")
        assert parse_qs(url.query) == {"size": ["1"], "status": ["all"], "page": [page]}


def test_first_and_last_pages_leave_out_the_links_that_do_not_apply(api, make_conversation):
    make_conversation("c1")

    body = api.get("/api/v2/conversations").json()

    assert set(body["_links"]) == {"self", "first", "last"}


def test_three_pages_walked_through_next_href(api, make_conversation, client):
    for n in range(5):
        make_conversation(f"c{n}")
    seen, pages = [], 0
    body = api.get("/api/v2/conversations", {"size": "2", "sortField": "createdAt", "sortOrder": "asc"}).json()
    while True:
        pages += 1
        seen += [c["id"] for c in body["_embedded"]["conversations"]]
        if "next" not in body["_links"]:
            break
        body = client.get(body["_links"]["next"]["href"], headers=api.headers()).json()

    assert (pages, seen) == (3, ["c0", "c1", "c2", "c3", "c4"])


def test_a_page_past_the_end_is_an_empty_list_with_the_same_page_object(api, make_conversation):
    make_conversation("c1")

    response = api.get("/api/v2/conversations", {"page": "7"})

    assert response.status_code == 200
    body = response.json()
    assert body["_embedded"] == {"conversations": []}
    assert body["page"] == {"size": 25, "totalElements": 1, "totalPages": 1, "number": 7}
    assert "next" not in body["_links"]
    assert parse_qs(urlsplit(body["_links"]["previous"]["href"]).query) == {"page": ["1"]}


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.example.com"}


def test_behind_the_proxy_links_use_the_forwarded_scheme_and_host(api, make_conversation, settings):
    settings.BEHIND_PROXY = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "chat.example.com"]
    make_conversation("c1")

    body = api.get("/api/v2/conversations", headers=FORWARDED).json()

    assert body["_links"]["self"]["href"] == "https://chat.example.com/api/v2/conversations?page=1"


def test_without_the_proxy_setting_forwarded_headers_are_ignored(api, make_conversation, settings):
    settings.BEHIND_PROXY = False
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.USE_X_FORWARDED_HOST = False
    make_conversation("c1")

    body = api.get("/api/v2/conversations", headers=FORWARDED).json()

    assert body["_links"]["self"]["href"] == "http://testserver/api/v2/conversations?page=1"


def test_the_proxy_setting_follows_django_behind_proxy():
    from django.conf import settings

    assert settings.USE_X_FORWARDED_HOST is settings.BEHIND_PROXY
    assert (settings.SECURE_PROXY_SSL_HEADER is not None) is settings.BEHIND_PROXY


def test_webhooks_and_teams_lists_are_hal_pages(api):
    for path, key in (("/api/v2/webhooks", "webhooks"), ("/api/v2/teams", "teams")):
        body = api.get(path).json()
        assert body["_embedded"] == {key: []}
        assert body["page"] == {"size": 1, "totalElements": 0, "totalPages": 0, "number": 1}
        assert body["_links"]["self"]["href"] == f"http://testserver{path}?page=1"
