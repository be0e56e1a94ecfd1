"""Help Scout's customers on /api/v2 (#21): create, get, list and search, replace, JSON-Patch; tenants, audit and
bad input."""

from __future__ import annotations

import pytest

from agents.models import AuditEntry
from devices.models import Customer
from tests.integration.helpers import assert_error, db_counts

pytestmark = pytest.mark.django_db

ANN = {
    "firstName": "Ann",
    "lastName": "Lee",
    "jobTitle": "Buyer",
    "background": "Prefers chat",
    "emails": [{"type": "work", "value": "ann@example.com"}, {"type": "home", "value": "ann@home.example"}],
    "phones": [{"type": "mobile", "value": "+31 20 123 4567"}],
}


def create(api, body=None) -> str:
    response = api.post("/api/v2/customers", body or ANN)
    assert response.status_code == 201, response.content
    return response["Resource-ID"]


def test_create_answers_201_and_get_shows_help_scouts_shape(api):
    response = api.post("/api/v2/customers", ANN)

    assert (response.status_code, response.content) == (201, b"")
    number = response["Resource-ID"]
    assert response["Location"] == f"http://testserver/api/v2/customers/{number}"
    body = api.get(response["Location"]).json()
    assert body["id"] == int(number)
    assert (body["firstName"], body["lastName"], body["jobTitle"], body["background"]) == (
        "Ann",
        "Lee",
        "Buyer",
        "Prefers chat",
    )
    assert body["_embedded"] == {
        "emails": [
            {"id": 1, "value": "ann@example.com", "type": "work"},
            {"id": 2, "value": "ann@home.example", "type": "work"},
        ],
        "phones": [{"id": 1, "value": "+31201234567", "type": "work"}],
    }
    customer = Customer.objects.get(account=api.account, number=int(number))
    assert (customer.name, customer.email, customer.registered) == ("Ann Lee", "ann@example.com", True)
    assert api.get(f"/api/v2/customers/{customer.uuid}").json() == body
    assert AuditEntry.objects.filter(action__startswith="create customer", account=api.account).count() == 1


def test_an_email_another_customer_holds_is_a_409(api):
    create(api)
    before = db_counts()

    response = api.post("/api/v2/customers", {"firstName": "Other", "emails": [{"value": "ANN@example.com"}]})

    assert_error(response, 409, "email_taken")
    assert db_counts() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, [("body", "required")]),
        ({"firstName": "A", "emails": [{"value": "not an email"}]}, [("emails[0].value", "invalid_email")]),
        ({"firstName": "A", "phones": [{"value": "12"}]}, [("phones[0].value", "invalid_phone")]),
        ({"firstName": "A", "emails": [{"value": "a@b.co", "type": "pigeon"}]}, [("emails[0].type", "invalid_enum")]),
        ({"firstName": "A", "nickname": "x"}, [("nickname", "unknown_field")]),
        ({"firstName": "A" * 101}, [("firstName", "too_long")]),
    ],
)
def test_bad_creates_write_nothing(api, body, fields):
    before = db_counts()

    response = api.post("/api/v2/customers", body)

    assert_error(response, 400, "validation_failed", fields=fields)
    assert db_counts() == before


def test_list_and_search_by_email_name_and_query(api, make_user):
    ann = create(api)
    bob = create(api, {"firstName": "Bob", "lastName": "Stone", "emails": [{"value": "bob@example.com"}]})

    def listed(params):
        response = api.get("/api/v2/customers", {**params, "sortField": "number", "sortOrder": "asc"})
        assert response.status_code == 200, response.content
        return [str(c["id"]) for c in response.json()["_embedded"]["customers"]]

    assert listed({}) == [ann, bob]
    assert listed({"email": "BOB@example.com"}) == [bob]
    assert listed({"email": "ann@home.example"}) == [ann]
    assert listed({"firstName": "an"}) == [ann]
    assert listed({"lastName": "stone"}) == [bob]
    assert listed({"query": '(email:"bob@example.com")'}) == [bob]
    assert listed({"query": '(firstName:"Ann" OR lastName:"Stone")'}) == [ann, bob]
    assert listed({"query": "lee"}) == [ann]
    body = api.get("/api/v2/customers", {"page": "5"}).json()
    assert (body["_embedded"], body["page"]["totalElements"]) == ({"customers": []}, 2)


@pytest.mark.parametrize("query", ['(email:"x', "phone:123", "OR", "(name:x"])
def test_bad_customer_query_is_a_400(api, query):
    response = api.get("/api/v2/customers", {"query": query})

    assert_error(response, 400, "validation_failed", fields=[("query.query", "invalid_query")])


def test_put_replaces_the_whole_customer_and_is_audited(api):
    number = create(api)

    response = api.put(
        f"/api/v2/customers/{number}", {"firstName": "Annie", "emails": [{"value": "annie@example.com"}]}
    )

    assert (response.status_code, response.content) == (204, b"")
    body = api.get(f"/api/v2/customers/{number}").json()
    assert (body["firstName"], body["lastName"], body["jobTitle"], body["background"]) == ("Annie", None, None, None)
    assert body["_embedded"] == {"emails": [{"id": 1, "value": "annie@example.com", "type": "work"}], "phones": []}
    assert Customer.objects.get(account=api.account, number=int(number)).name == "Annie"
    [entry] = AuditEntry.objects.filter(action__startswith="edit customer", account=api.account)
    assert len(entry.action) <= 64  # the column's length (PostgreSQL refuses a longer one)
    assert "name" in entry.action and api.key[:12] in entry.target


def test_patch_operations(api):
    number = create(api)
    path = f"/api/v2/customers/{number}"

    response = api.patch(
        path,
        [
            {"op": "replace", "path": "/firstName", "value": "Anna"},
            {"op": "remove", "path": "/jobTitle"},
            {"op": "add", "path": "/organization", "value": "Pens Inc."},
        ],
    )

    assert response.status_code == 204, response.content
    body = api.get(path).json()
    assert (body["firstName"], body["jobTitle"], body["organization"]) == ("Anna", None, "Pens Inc.")
    assert Customer.objects.get(account=api.account, number=int(number)).name == "Anna Lee"
    assert api.patch(path, {"op": "replace", "path": "/lastName", "value": "Li"}).status_code == 204
    assert api.get(path).json()["lastName"] == "Li"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"op": "replace", "path": "/emails", "value": "x"}, [("path", "invalid_enum")]),
        ({"op": "move", "path": "/firstName", "value": "x"}, [("op", "invalid_enum")]),
        ({"op": "replace", "path": "/firstName"}, [("value", "required")]),
        ({"op": "replace", "path": "/firstName", "value": "A" * 101}, [("value", "too_long")]),
        (
            [{"op": "replace", "path": "/firstName", "value": "X"}, {"op": "nope", "path": "/lastName"}],
            [("[1].op", "invalid_enum")],
        ),
        ([], [("body", "empty")]),
    ],
)
def test_bad_patch_operations_write_nothing(api, body, fields):
    number = create(api)
    before = api.get(f"/api/v2/customers/{number}").json()

    response = api.patch(f"/api/v2/customers/{number}", body)

    assert_error(response, 400, "validation_failed", fields=fields)
    assert api.get(f"/api/v2/customers/{number}").json() == before


def test_another_accounts_key_gets_404(api, other_api):
    number = create(api)
    path = f"/api/v2/customers/{number}"

    assert_error(other_api.get(path), 404, "not_found")
    assert_error(other_api.put(path, {"firstName": "Mallory"}), 404, "not_found")
    assert_error(other_api.patch(path, {"op": "replace", "path": "/firstName", "value": "M"}), 404, "not_found")
    assert other_api.get("/api/v2/customers", {"email": "ann@example.com"}).json()["_embedded"]["customers"] == []
    assert api.get(path).json()["firstName"] == "Ann"
    assert_error(api.get("/api/v2/customers/999999"), 404, "not_found")


def test_the_customer_list_has_a_flat_number_of_queries(api, django_assert_max_num_queries):
    for n in range(8):
        create(api, {"firstName": f"C{n}", "emails": [{"value": f"c{n}@example.com"}]})

    with django_assert_max_num_queries(6):
        response = api.get("/api/v2/customers", {"query": "example.com"})

    assert len(response.json()["_embedded"]["customers"]) == 8
