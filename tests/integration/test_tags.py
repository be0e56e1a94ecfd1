"""Labels in the integration API (#19), shaped as Help Scout's tags: `tags` on a conversation,
`PUT /api/v2/conversations/{id}/tags` and the list's `?tag=` filter."""

from __future__ import annotations

import pytest

from conversations.models import Label
from tests.integration.helpers import assert_error

pytestmark = pytest.mark.django_db


def test_put_sets_the_tags_and_the_conversation_shows_them(api, make_conversation):
    make_conversation("order_1")

    response = api.put("/api/v2/conversations/order_1/tags", {"tags": ["vip", "Billing", "VIP"]})

    assert response.status_code == 200, response.content
    tags = response.json()["tags"]
    assert [t["tag"] for t in tags] == ["Billing", "vip"]
    assert all(set(t) == {"id", "tag", "color"} and t["color"] is None for t in tags)
    assert [t["tag"] for t in api.get("/api/v2/conversations/order_1").json()["tags"]] == ["Billing", "vip"]

    cleared = api.put("/api/v2/conversations/order_1/tags", {"tags": []})
    assert cleared.json()["tags"] == []
    assert Label.objects.filter(account=api.account).count() == 2  # the account keeps its labels


def test_bad_bodies_are_refused(api, make_conversation):
    make_conversation("order_2")
    assert_error(api.put("/api/v2/conversations/order_2/tags", {"tags": ["x" * 51]}), 400, "validation_failed")
    assert_error(api.put("/api/v2/conversations/order_2/tags", {"tag": ["a"]}), 400, "validation_failed")
    assert_error(api.put("/api/v2/conversations/nope/tags", {"tags": ["a"]}), 404, "not_found")


def test_list_filters_by_tag_in_the_keys_account_only(api, other_api, make_conversation):
    for public_id in ("a", "b"):
        make_conversation(public_id)
    api.put("/api/v2/conversations/a/tags", {"tags": ["refund"]})
    other_api.put(other_api.v1("conversations/x"), {})
    other_api.put("/api/v2/conversations/x/tags", {"tags": ["refund"]})

    def ids(**params) -> list[str]:
        response = api.get("/api/v2/conversations", params)
        assert response.status_code == 200, response.content
        return sorted(c["id"] for c in response.json()["_embedded"]["conversations"])

    assert ids(tag="REFUND") == ["a"]
    assert ids(tag="unknown") == []
    assert ids(tag="") == ["a", "b"]
