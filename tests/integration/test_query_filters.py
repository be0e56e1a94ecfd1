"""Query parameters are checked by a serializer: a bad value is a 400 `validation_failed` on `query.<name>`."""

from __future__ import annotations

import pytest

from tests.integration.helpers import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"modifiedSince": "2024-13-45T10:00:00Z"}, ("query.modifiedSince", "invalid_datetime")),
        ({"modifiedSince": "yesterday"}, ("query.modifiedSince", "invalid_datetime")),
        ({"assigneeId": "abc"}, ("query.assigneeId", "out_of_range")),
        ({"assigneeId": "0"}, ("query.assigneeId", "out_of_range")),
        ({"visible": "maybe"}, ("query.visible", "invalid_enum")),
        ({"status": "archived"}, ("query.status", "invalid_enum")),
        ({"status": ""}, ("query.status", "invalid_enum")),
        ({"page": ""}, ("query.page", "out_of_range")),
        ({"sortField": "id"}, ("query.sortField", "invalid_enum")),
        ({"sortOrder": "up"}, ("query.sortOrder", "invalid_enum")),
        ({"page": "0"}, ("query.page", "out_of_range")),
        ({"page": "-1"}, ("query.page", "out_of_range")),
        ({"size": "1.5"}, ("query.size", "out_of_range")),
        ({"colour": "red"}, ("query.colour", "unknown_field")),
    ],
)
def test_a_bad_conversation_filter_is_a_400(api, query, error):
    response = api.get("/api/v2/conversations", query)

    assert_error(response, 400, "validation_failed", fields=[error])


def test_every_bad_filter_is_named_at_once(api):
    response = api.get("/api/v2/conversations", {"size": "500", "sortOrder": "up", "colour": "red"})

    assert_error(
        response,
        400,
        "validation_failed",
        fields=[("query.size", "out_of_range"), ("query.sortOrder", "invalid_enum"), ("query.colour", "unknown_field")],
    )


def test_empty_filters_count_as_absent(api, make_conversation):
    make_conversation("c1")

    query = {"customerId": "", "participantUserId": "", "assigneeId": "", "modifiedSince": "", "visible": ""}
    response = api.get("/api/v2/conversations", query)

    assert response.status_code == 200, response.content
    assert [c["id"] for c in response.json()["_embedded"]["conversations"]] == ["c1"]


def test_modified_since_filters(api, make_conversation):
    make_conversation("c1")

    later = api.get("/api/v2/conversations", {"modifiedSince": "2999-01-01T00:00:00Z"})
    earlier = api.get("/api/v2/conversations", {"modifiedSince": "2000-01-01T00:00:00+02:00"})

    assert later.json()["_embedded"]["conversations"] == []
    assert [c["id"] for c in earlier.json()["_embedded"]["conversations"]] == ["c1"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"limit": "0"}, ("query.limit", "out_of_range")),
        ({"limit": "101"}, ("query.limit", "out_of_range")),
        ({"before": "x"}, ("query.before", "out_of_range")),
        ({"before": "5", "after": "6"}, ("query.before", "mutually_exclusive")),
        ({"page": "2"}, ("query.page", "unknown_field")),
    ],
)
def test_a_bad_message_page_query_is_a_400(api, make_conversation, query, error):
    make_conversation("c1")

    response = api.get("/api/v2/conversations/c1/messages", query)

    assert_error(response, 400, "validation_failed", fields=[error])


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"limit": "0"}, ("query.limit", "out_of_range")),
        ({"limit": "x"}, ("query.limit", "out_of_range")),
        ({"startingAfter": "0"}, ("query.startingAfter", "out_of_range")),
    ],
)
def test_a_bad_talkjs_message_list_query_is_a_400(api, make_conversation, query, error):
    make_conversation("c1")

    response = api.get(api.v1("conversations/c1/messages"), query)

    assert_error(response, 400, "validation_failed", fields=[error])


def test_a_filter_given_twice_is_a_400(api):
    response = api.get("/api/v2/conversations?status=open&status=closed")

    assert_error(response, 400, "validation_failed", fields=[("query.status", "duplicate")])


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", ("query", "required")),
        ("fkId=", ("query", "required")),
        ("email=", ("query.email", "invalid_email")),
        ("email=a@example.com&fkId=1&fkId=2", ("query.fkId", "duplicate")),
    ],
)
def test_a_bad_user_search_is_a_400(api, query, error):
    response = api.get(f"/api/external/users/search?{query}")

    assert_error(response, 400, "validation_failed", fields=[error])
