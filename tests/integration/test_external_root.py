"""Seed 001's user routes at the root, as the seed writes them (`/external/users…`): the same views, keys, answers
and error body as under `/api/external/…`; any other path under `/external/` is the API's JSON 404, never a page."""

from __future__ import annotations

import pytest

from devices.models import Customer
from tests.integration.helpers import assert_error, db_counts

pytestmark = pytest.mark.django_db

JOHN = {"firstName": "John", "lastName": "Doe", "email": "john@example.com", "fkId": "123456"}


@pytest.fixture
def agent_api(api):
    """Seed 001's header: `Agent-Secret-Key`."""
    return api.using(header="agent")


def test_create_search_get_and_delete_at_the_root(agent_api):
    created = agent_api.post("/external/users", JOHN)

    assert created.status_code == 201, created.content
    user = created.json()
    assert created["Location"] == f"/external/users/{user['id']}"
    found = agent_api.get("/external/users/search", {"email": "john@example.com"})
    assert (found.status_code, found.json()["id"], found.json()["conversationIds"]) == (200, user["id"], [])
    shown = agent_api.get(f"/external/users/{user['id']}")
    assert (shown.status_code, shown.json()) == (200, agent_api.get(f"/api/external/users/{user['id']}").json())
    deleted = agent_api.delete(f"/external/users/{user['id']}")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert_error(agent_api.get(f"/external/users/{user['id']}"), 404, "not_found")


def test_the_root_and_the_api_path_share_one_store(agent_api):
    agent_api.post("/api/external/users", JOHN)

    response = agent_api.post("/external/users", JOHN)

    assert_error(response, 409, "user_exists")
    assert Customer.objects.count() == 1


def test_a_merged_user_at_the_root_moves_to_the_root_path_of_the_survivor(agent_api, create_user):
    old, survivor = create_user(email="old@example.com"), create_user(email="new@example.com")
    Customer.objects.filter(uuid=old["id"]).update(merged_into=Customer.objects.get(uuid=survivor["id"]))

    response = agent_api.get(f"/external/users/{old['id']}")

    assert response.status_code == 301
    assert response["Location"] == f"/external/users/{survivor['id']}"


def test_bad_input_at_the_root_is_the_api_error_body_and_writes_nothing(agent_api):
    before = db_counts()

    response = agent_api.post("/external/users", {"firstName": "John", "lastName": "Doe"})

    assert_error(response, 400, "validation_failed", fields=[("email", "required"), ("phoneNumber", "required")])
    assert db_counts() == before


def test_no_key_at_the_root_is_401_in_the_api_body(client):
    assert_error(client.get("/external/users/search", {"email": "john@example.com"}), 401, "authentication_required")


def test_another_tenants_user_is_404_at_the_root(agent_api, other_api):
    theirs = other_api.post("/api/external/users", JOHN).json()

    response = agent_api.get(f"/external/users/{theirs['id']}")

    assert_error(response, 404, "not_found")
    assert "john" not in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/external"),
        ("get", "/external/"),
        ("get", "/external/nope"),
        ("post", "/external/conversations"),
        ("get", "/external/users/"),
        ("delete", "/external/users/search/more"),
        ("get", "/external/users/a/b"),
    ],
)
def test_unknown_paths_under_external_are_the_json_404(agent_api, method, path):
    response = getattr(agent_api, method)(path)

    assert_error(response, 404, "not_found")


def test_an_unknown_method_at_the_root_is_405_with_allow(agent_api):
    response = agent_api.put("/external/users", JOHN)

    error = assert_error(response, 405, "method_not_allowed")
    assert error and "POST" in response["Allow"]


def test_the_root_aliases_are_not_documented_twice():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert "/api/external/users" in paths
    assert not [p for p in paths if p.startswith("/external")]


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/external", "integration"), ("/external/users", "integration"), ("/externals", "site"), ("/desk/", "site")],
)
def test_an_error_outside_the_views_under_external_is_written_in_the_api_body(path, kind):
    from messenger_project.error_pages import surface

    assert surface(path) == kind
