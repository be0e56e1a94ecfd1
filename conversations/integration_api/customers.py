"""Help Scout's customers on /api/v2 (#21), over the customer records of the [S1]/[S2] users.

A customer's `id` here is its per-account number (the `primaryCustomer.number` of a conversation; a UUID finds it
too). Emails and phones are Help Scout's `{type, value}` lists; the first one is the primary address. `background`
is the desk's note; `jobTitle`, `organization`, `gender`, `location` and `age` live in the profile. Every create and
edit is audited (`devices.services.customer_api_save`), as the desk's customer edits are.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import (
    QueryDateTimeField,
    QueryIdField,
    normalized_identifier,
    query_validated,
    stored_id,
)
from conversations.integration_api.openapi import (
    IDEMPOTENCY_ERRORS,
    NO_CONTROL_CHARACTERS,
    READ_ERRORS,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    example_of,
    int_query_param,
    ok_response,
    path_param,
    query_param,
    request_example,
    success_headers,
)
from conversations.integration_api.pages import hal_list, hal_list_serializer
from conversations.integration_api.search import MAX_QUERY_LENGTH, QuerySyntaxError, customer_search_q
from devices.models import Customer
from devices.normalize import email_normalize, phone_normalize
from devices.services import customer_api_save
from messenger_project.integration_api.errors import ApiError, FieldError, field_errors, validation_failed
from messenger_project.integration_api.serializers import (
    IsoDateTimeField,
    LinkSerializer,
    NullIfBlankField,
    StrictSerializer,
    field_error,
)

TAG_CUSTOMERS = "Integration API: customers"
PROFILE_FIELDS = {"jobTitle": "jobTitle", "organization": "organization", "gender": "gender", "location": "location"}
ENTRY_TYPES = ["work", "home", "mobile", "fax", "pager", "other"]
MAX_ENTRIES = 10


# --- the representation ----------------------------------------------------------------------------------------


class CustomerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="1-based position; 1 is the primary one.")
    value = serializers.CharField()
    type = serializers.CharField(help_text="Always `work`: types are not stored.")


class CustomerEmbeddedSerializer(serializers.Serializer):
    emails = CustomerEntrySerializer(many=True)
    phones = CustomerEntrySerializer(many=True)


class CustomerLinksSerializer(serializers.Serializer):
    self = LinkSerializer()


def _entries(first: str, extra: list) -> list[dict]:
    values = [v for v in [first, *(extra or [])] if v]
    return [{"id": i, "value": value, "type": "work"} for i, value in enumerate(values, start=1)]


class MailboxCustomerSerializer(serializers.Serializer):
    """A customer, shaped as Help Scout's."""

    id = serializers.IntegerField(source="number", help_text="The customer's number.")
    uuid = serializers.UUIDField(help_text="The customer's `id` in the users API.")
    firstName = NullIfBlankField(source="first_name")
    lastName = NullIfBlankField(source="last_name")
    photoUrl = NullIfBlankField(source="photo_url")
    background = NullIfBlankField(source="note", help_text="The desk's note about the customer.")
    jobTitle = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    gender = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    createdAt = IsoDateTimeField(source="created_at")
    updatedAt = IsoDateTimeField(source="updated_at")
    _embedded = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def _profile(self, customer, name: str) -> str | None:
        value = (customer.profile or {}).get(name)
        return str(value) if value not in (None, "") else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_jobTitle(self, customer) -> str | None:  # noqa: N802
        return self._profile(customer, "jobTitle")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_organization(self, customer) -> str | None:
        return self._profile(customer, "organization")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_gender(self, customer) -> str | None:
        return self._profile(customer, "gender")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_location(self, customer) -> str | None:
        return self._profile(customer, "location")

    @extend_schema_field(CustomerEmbeddedSerializer)
    def get__embedded(self, customer) -> dict:
        return {
            "emails": _entries(customer.email, customer.extra_emails),
            "phones": _entries(customer.phone, customer.extra_phones),
        }

    @extend_schema_field(CustomerLinksSerializer)
    def get__links(self, customer) -> dict:
        return {"self": {"href": self.context["request"].build_absolute_uri(f"/api/v2/customers/{customer.number}")}}


CustomerPageSerializer = hal_list_serializer("MailboxCustomer", "customers", MailboxCustomerSerializer)

CUSTOMER = {
    "id": 456,
    "uuid": "5f7b1b3b-3b3b-4b3b-8b3b-3b3b3b3b3b3b",
    "firstName": "Alice",
    "lastName": "Lee",
    "photoUrl": None,
    "background": "Prefers chat.",
    "jobTitle": "Buyer",
    "organization": "Pens Inc.",
    "gender": None,
    "location": None,
    "createdAt": "2024-05-01T10:00:00Z",
    "updatedAt": "2024-05-01T10:00:00Z",
    "_embedded": {"emails": [{"id": 1, "value": "alice@example.com", "type": "work"}], "phones": []},
    "_links": {"self": {"href": "https://messenger.example.com/api/v2/customers/456"}},
}


# --- input -----------------------------------------------------------------------------------------------------


class EntryInputSerializer(StrictSerializer):
    value = serializers.CharField(max_length=254)
    type = serializers.ChoiceField(choices=ENTRY_TYPES, required=False, help_text="Accepted, not stored.")
    id = serializers.IntegerField(required=False, min_value=1, help_text="Accepted, not used.")


class EmailInputSerializer(EntryInputSerializer):
    def validate_value(self, value: str) -> str:
        return normalized_identifier(email_normalize, value)


class PhoneInputSerializer(EntryInputSerializer):
    def validate_value(self, value: str) -> str:
        return normalized_identifier(phone_normalize, value)


class CustomerWriteSerializer(StrictSerializer):
    """A customer to create (`POST`) or the whole of one (`PUT`: a field left out is cleared). At least one of
    firstName, lastName and emails."""

    firstName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lastName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    photoUrl = serializers.URLField(max_length=2048, required=False, allow_blank=True)
    background = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    jobTitle = serializers.CharField(max_length=60, required=False, allow_blank=True)
    organization = serializers.CharField(max_length=60, required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=["male", "female", "unknown"], required=False)
    location = serializers.CharField(max_length=60, required=False, allow_blank=True)
    emails = EmailInputSerializer(many=True, required=False, max_length=MAX_ENTRIES, help_text="The first: primary.")
    phones = PhoneInputSerializer(many=True, required=False, max_length=MAX_ENTRIES, help_text="E.164.")

    def validate(self, attrs):
        if not (attrs.get("firstName") or attrs.get("lastName") or attrs.get("emails")):
            raise serializers.ValidationError(field_error("give a firstName, a lastName or an email", "required"))
        return attrs

    def changes(self) -> dict:
        """`customer_update`'s changes replacing the whole customer."""
        data = self.validated_data
        first, last = data.get("firstName", ""), data.get("lastName", "")
        emails = list(dict.fromkeys(e["value"] for e in data.get("emails", [])))
        return {
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}".strip() or (emails[0].split("@")[0] if emails else ""),
            "emails": emails,
            "phones": list(dict.fromkeys(p["value"] for p in data.get("phones", []))),
            "photo_url": data.get("photoUrl", ""),
            "note": data.get("background", ""),
            "profile": {key: data.get(name) or None for name, key in PROFILE_FIELDS.items()},
        }


PATCH_PATHS = {
    "/firstName": "first_name",
    "/lastName": "last_name",
    "/photoUrl": "photo_url",
    "/background": "note",
    "/jobTitle": "jobTitle",
    "/organization": "organization",
    "/gender": "gender",
    "/location": "location",
}


class CustomerPatchOperationSerializer(StrictSerializer):
    """One of Help Scout's customer operations: `replace`/`add` a value, or `remove` it."""

    op = serializers.ChoiceField(choices=["replace", "add", "remove"])
    path = serializers.ChoiceField(choices=list(PATCH_PATHS))
    value = serializers.CharField(required=False, allow_blank=True, max_length=2048, help_text="Not for `remove`.")


def _patch_changes(customer: Customer, data) -> dict:
    """The changes of Help Scout's operations, every one checked before any applies."""
    operations, prefixes = (data, [f"[{i}]" for i in range(len(data))]) if isinstance(data, list) else ([data], [""])
    if not operations:
        raise validation_failed([FieldError("body", "empty", "give at least one operation")])
    errors, changes, profile = [], {}, {}
    limits = {"first_name": 100, "last_name": 100, "photo_url": 2048, "note": 10_000}
    for operation, prefix in zip(operations, prefixes, strict=True):
        payload = CustomerPatchOperationSerializer(data=operation)
        if not payload.is_valid():
            errors += field_errors(payload.errors, operation, prefix)
            continue
        op, path = payload.validated_data["op"], payload.validated_data["path"]
        value = None if op == "remove" else payload.validated_data.get("value")
        where = f"{prefix}.value" if prefix else "value"
        if op != "remove" and value is None:
            errors.append(FieldError(where, "required", "This field is required."))
            continue
        name = PATCH_PATHS[path]
        if name in limits and value is not None and len(value) > limits[name]:
            errors.append(FieldError(where, "too_long", f"at most {limits[name]} characters", value))
        elif name in limits:
            changes[name] = value or ""
        else:
            profile[name] = value or None
    if errors:
        raise validation_failed(errors)
    if profile:
        changes["profile"] = profile
    if "first_name" in changes or "last_name" in changes:
        first = changes.get("first_name", customer.first_name)
        last = changes.get("last_name", customer.last_name)
        changes["name"] = f"{first} {last}".strip() or customer.name
    return changes


class CustomerListQuery(StrictSerializer):
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    firstName = serializers.CharField(required=False, allow_blank=True, max_length=100)
    lastName = serializers.CharField(required=False, allow_blank=True, max_length=100)
    query = serializers.CharField(required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH)
    modifiedSince = QueryDateTimeField(required=False)
    sortField = serializers.ChoiceField(
        choices=["createdAt", "modifiedAt", "firstName", "lastName", "number"], default="createdAt"
    )
    sortOrder = serializers.ChoiceField(choices=["desc", "asc"], default="desc")
    page = QueryIdField(default=1)
    size = QueryIdField(max_value=100, default=50)

    def validate_query(self, value: str):
        if not value.strip():
            return None
        try:
            return customer_search_q(value)
        except QuerySyntaxError as error:
            raise serializers.ValidationError(
                field_error(f"is not a search Help Scout's syntax allows: {error}", "invalid_query")
            ) from None


SORTS = {
    "createdAt": "created_at",
    "modifiedAt": "updated_at",
    "firstName": "first_name",
    "lastName": "last_name",
    "number": "number",
}


def _customers_listed(account, query: dict):
    customers = Customer.objects.filter(account=account, merged_into__isnull=True)
    if query.get("email"):
        email = query["email"].strip()
        customers = customers.filter(Q(email__iexact=email) | Q(extra_emails__icontains=email))
    if query.get("firstName"):
        customers = customers.filter(first_name__icontains=query["firstName"])
    if query.get("lastName"):
        customers = customers.filter(last_name__icontains=query["lastName"])
    if query.get("query") is not None:
        customers = customers.filter(query["query"])
    if query.get("modifiedSince"):
        customers = customers.filter(updated_at__gte=query["modifiedSince"])
    order = SORTS[query["sortField"]]
    if query["sortOrder"] == "desc":
        return customers.order_by(f"-{order}", "-pk")
    return customers.order_by(order, "pk")


def customer_lookup(account, customer_id: str) -> Customer:
    """The account's live customer of that number (or UUID); 404 otherwise."""
    customers = Customer.objects.filter(account=account, merged_into__isnull=True)
    number = stored_id(customer_id)
    found = customers.filter(number=number).first() if number is not None else None
    if found is None and number is None:
        try:
            found = customers.filter(uuid=uuid.UUID(customer_id)).first()
        except ValueError:
            found = None
    if found is None:
        raise ApiError(404, "not_found", "No such customer.")
    return found


CUSTOMER_ID = path_param("customer_id", "The customer's number (or its UUID).", example="456")
CUSTOMER_WRITE_EXAMPLE = {
    "firstName": "Alice",
    "lastName": "Lee",
    "jobTitle": "Buyer",
    "emails": [{"type": "work", "value": "alice@example.com"}],
    "phones": [{"type": "mobile", "value": "+31201234567"}],
}
CONFLICTS = {
    409: OpenApiResponse(description="An email or phone another customer holds (`email_taken`, `phone_taken`).")
}


@extend_schema_view(
    get=extend_schema(
        operation_id="listCustomers",
        summary="List or search customers (Help Scout)",
        description="A HAL page of the account's customers (merged ones left out).",
        tags=[TAG_CUSTOMERS],
        parameters=[
            query_param("email", {"type": "string", "maxLength": 254, "pattern": NO_CONTROL_CHARACTERS}, "Any case."),
            query_param(
                "firstName", {"type": "string", "maxLength": 100, "pattern": NO_CONTROL_CHARACTERS}, "Contains."
            ),
            query_param(
                "lastName", {"type": "string", "maxLength": 100, "pattern": NO_CONTROL_CHARACTERS}, "Contains."
            ),
            query_param(
                "query",
                {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": NO_CONTROL_CHARACTERS},
                'Help Scout\'s search syntax: `(email:"a@b.com")`, `firstName:`, `lastName:`, `name:`, plain words, '
                "`AND`, `OR`, `NOT`, parentheses (`invalid_query` otherwise).",
            ),
            query_param(
                "modifiedSince",
                {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]},
                "ISO 8601.",
            ),
            query_param("sortField", enum=list(SORTS), default="createdAt"),
            query_param("sortOrder", enum=["desc", "asc"], default="desc"),
            int_query_param("page", "1-based.", default=1),
            int_query_param("size", "1–100.", maximum=100, default=50),
        ],
        responses={
            200: ok_response(
                CustomerPageSerializer,
                "A page.",
                example_of(
                    "One customer",
                    {
                        "_embedded": {"customers": [CUSTOMER]},
                        "page": {"size": 50, "totalElements": 1, "totalPages": 1, "number": 1},
                        "_links": {
                            "self": {"href": "https://messenger.example.com/api/v2/customers?page=1"},
                            "first": {"href": "https://messenger.example.com/api/v2/customers?page=1"},
                            "last": {"href": "https://messenger.example.com/api/v2/customers?page=1"},
                        },
                    },
                ),
            ),
            **errors_of("validation_failed"),
        },
    ),
    post=extend_schema(
        operation_id="createCustomer",
        summary="Create a customer (Help Scout)",
        description="Answers 201 with an empty body, `Resource-ID` (the customer's number) and an absolute `Location`.",
        tags=[TAG_CUSTOMERS],
        parameters=[*WRITE_PARAMS, *success_headers(201, location=True, resource_id=True)],
        request=CustomerWriteSerializer,
        examples=[request_example("Customer", CUSTOMER_WRITE_EXAMPLE)],
        responses={
            201: OpenApiResponse(description="Created; empty body."),
            **errors_of(*WRITE_ERRORS, *IDEMPOTENCY_ERRORS),
            **CONFLICTS,
        },
    ),
)
class CustomerListView(IntegrationAPIView):
    """Help Scout's customers: the list and a new one."""

    def get(self, request):
        query = query_validated(CustomerListQuery, request)
        page, size = query["page"], query["size"]
        customers = _customers_listed(self.account, query)
        total = customers.count()
        offset = (page - 1) * size
        rows = list(customers[offset : offset + size]) if offset < total else []
        items = MailboxCustomerSerializer(rows, many=True, context={"request": request}).data
        return Response(hal_list(request, key="customers", items=items, page=page, size=size, total=total))

    def post(self, request):
        payload = CustomerWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = customer_api_save(
            account=self.account, customer=None, changes=payload.changes(), by=f"API key {self.api_key.prefix}…"
        )
        location = request.build_absolute_uri(f"/api/v2/customers/{customer.number}")
        return Response(status=201, headers={"Resource-ID": str(customer.number), "Location": location})


@extend_schema_view(
    get=extend_schema(
        operation_id="getCustomer",
        summary="Get a customer (Help Scout)",
        description="By number, or by UUID; a merged customer is not found.",
        tags=[TAG_CUSTOMERS],
        parameters=[CUSTOMER_ID],
        responses={
            200: ok_response(MailboxCustomerSerializer, "The customer.", example_of("Customer", CUSTOMER)),
            **errors_of(*READ_ERRORS),
        },
    ),
    put=extend_schema(
        operation_id="replaceCustomer",
        summary="Replace a customer (Help Scout)",
        description="Every field: one left out is cleared. Answers 204.",
        tags=[TAG_CUSTOMERS],
        parameters=[CUSTOMER_ID],
        request=CustomerWriteSerializer,
        examples=[request_example("Customer", CUSTOMER_WRITE_EXAMPLE)],
        responses={
            204: OpenApiResponse(description="Replaced; empty body."),
            **errors_of(*WRITE_ERRORS, "not_found"),
            **CONFLICTS,
        },
    ),
    patch=extend_schema(
        operation_id="updateCustomer",
        summary="Update a customer with operations (Help Scout)",
        description="`{op, path, value}` or a list of them: `replace`/`add`/`remove` of `/firstName`, `/lastName`, "
        "`/photoUrl`, `/background`, `/jobTitle`, `/organization`, `/gender`, `/location`. All are checked before any "
        "applies. Answers 204.",
        tags=[TAG_CUSTOMERS],
        parameters=[CUSTOMER_ID, *WRITE_PARAMS],
        request=PolymorphicProxySerializer(
            component_name="CustomerPatch",
            serializers=[
                CustomerPatchOperationSerializer,
                PolymorphicProxySerializer(
                    component_name="CustomerPatchOperations",
                    serializers=[CustomerPatchOperationSerializer],
                    resource_type_field_name=None,
                    many=True,
                ),
            ],
            resource_type_field_name=None,
            many=False,
        ),
        examples=[
            request_example("Rename", {"op": "replace", "path": "/firstName", "value": "Alicia"}),
            request_example(
                "Several",
                [
                    {"op": "replace", "path": "/jobTitle", "value": "Head buyer"},
                    {"op": "remove", "path": "/location"},
                ],
            ),
        ],
        responses={
            204: OpenApiResponse(description="Updated; empty body."),
            **errors_of(*WRITE_ERRORS, "not_found", *IDEMPOTENCY_ERRORS),
        },
    ),
)
class CustomerDetailView(IntegrationAPIView):
    """One of Help Scout's customers."""

    def get(self, request, customer_id: str):
        customer = customer_lookup(self.account, customer_id)
        return Response(MailboxCustomerSerializer(customer, context={"request": request}).data)

    def put(self, request, customer_id: str):
        customer = customer_lookup(self.account, customer_id)
        payload = CustomerWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer_api_save(account=self.account, customer=customer, changes=payload.changes(), by=self._by())
        return Response(status=204)

    def patch(self, request, customer_id: str):
        customer = customer_lookup(self.account, customer_id)
        changes = _patch_changes(customer, request.data)
        customer_api_save(account=self.account, customer=customer, changes=changes, by=self._by())
        return Response(status=204)

    def _by(self) -> str:
        return f"API key {self.api_key.prefix}…"
