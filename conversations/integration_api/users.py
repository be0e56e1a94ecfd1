"""Integration API [S1]: conversation users — create, search, get, delete (spec §7.1, seed 001)."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from conversations.integration_api.base import IntegrationAPIView
from conversations.integration_api.fields import (
    USER_ID,
    normalized_identifier,
    path_id_check,
    query_validated,
)
from conversations.integration_api.identifiers import identifiers_normalized
from conversations.integration_api.openapi import (
    APP_ID,
    EMPTY_OBJECT,
    IDEMPOTENCY_ERRORS,
    MOVED_LOCATION,
    READ_ERRORS,
    TAG_USERS,
    TAG_V1,
    USER,
    USER_UUID,
    V1_USER_ID,
    WRITE_ERRORS,
    WRITE_PARAMS,
    errors_of,
    example_of,
    moved_response,
    ok_response,
    query_param,
    request_example,
    success_headers,
)
from conversations.integration_api.records import UserRecordSerializer
from conversations.services.customers import customer_delete
from devices.models import Customer
from devices.normalize import InvalidIdentifier, email_normalize, phone_normalize
from devices.representations import UserSerializer, user_representation
from devices.selectors import customer_by_user_id, customer_conversation_ids, customer_search
from devices.services import customer_api_create, customer_upsert
from messenger_project.integration_api.errors import ApiError, FieldError, moved_permanently, validation_failed
from messenger_project.integration_api.serializers import CustomDataField, StrictSerializer, field_error


class UserCreateSerializer(StrictSerializer):
    firstName = serializers.CharField(max_length=100, trim_whitespace=True)
    lastName = serializers.CharField(max_length=100, trim_whitespace=True)
    email = serializers.CharField(required=False, allow_blank=False, max_length=254)
    phoneNumber = serializers.CharField(required=False, allow_blank=False, max_length=64, trim_whitespace=False)
    context = serializers.CharField(required=False, allow_blank=True, max_length=255)
    source = serializers.CharField(required=False, allow_blank=True, max_length=64)
    fkId = serializers.CharField(required=False, min_length=1, max_length=128)
    fkUserId = serializers.CharField(required=False, allow_blank=True, max_length=128)
    customData = CustomDataField(required=False)
    skipEmailValidation = serializers.BooleanField(required=False, default=False)
    skipPhoneNumberValidation = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("email") and not attrs.get("phoneNumber"):
            message = "email or phoneNumber is required"
            raise serializers.ValidationError(
                {"email": [field_error(message, "required")], "phoneNumber": [field_error(message, "required")]}
            )
        return identifiers_normalized(
            attrs,
            {
                "email": (email_normalize, attrs["skipEmailValidation"]),
                "phoneNumber": (phone_normalize, attrs["skipPhoneNumberValidation"]),
            },
        )


@extend_schema_view(
    post=extend_schema(
        operation_id="createUser",
        summary="Create a conversation user",
        description="Creates a customer (`registered: true`). `firstName` and `lastName` are required, and at least "
        "one of `email` and `phoneNumber`. With a skip flag the value is only trimmed and length-checked. Fires "
        "`user.created`.",
        tags=[TAG_USERS],
        parameters=[*WRITE_PARAMS, *success_headers(201, location=True)],
        request=UserCreateSerializer,
        examples=[
            request_example(
                "Create",
                {
                    "firstName": "John",
                    "lastName": "Doe",
                    "email": "john@example.com",
                    "phoneNumber": "+1234567890",
                    "context": "Support",
                    "source": "webchat",
                    "fkId": "123456",
                    "fkUserId": "u-77",
                    "customData": {"plan": "gold"},
                },
            )
        ],
        responses={
            201: ok_response(UserSerializer, "Created; `Location` names the new user.", example_of("User", USER)),
            **errors_of(*WRITE_ERRORS, "user_exists", *IDEMPOTENCY_ERRORS),
        },
    )
)
class UsersView(IntegrationAPIView):
    def post(self, request):
        payload = UserCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        fields = payload.validated_data
        customer = customer_api_create(
            account=self.account,
            first_name=fields["firstName"],
            last_name=fields["lastName"],
            email=fields.get("email", ""),
            phone=fields.get("phoneNumber", ""),
            context=fields.get("context", ""),
            source=fields.get("source", ""),  # unset optional fields read back as null (§7.1)
            fk_id=fields.get("fkId"),
            fk_user_id=fields.get("fkUserId", ""),
            custom_data=fields.get("customData"),
        )
        location = f"{request.path.rstrip('/')}/{customer.uuid}"  # under /api/ or seed 001's root alias
        return Response(user_representation(customer), status=201, headers={"Location": location})


class UserSearchQuery(StrictSerializer):
    """One of email, phoneNumber or fkId; each one at most once."""

    email = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    phoneNumber = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    fkId = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)

    def validate_email(self, value: str) -> str:
        return normalized_identifier(email_normalize, value)

    def validate_phoneNumber(self, value: str) -> str:  # noqa: N802
        return normalized_identifier(phone_normalize, value)

    def validate(self, attrs):
        if not any(attrs.values()):
            raise serializers.ValidationError(field_error("give email, phoneNumber or fkId", "required"))
        return attrs


class UserSearchResultSerializer(UserSerializer):
    conversationIds = serializers.SerializerMethodField(
        help_text="Newest activity first; merged and deleted conversations left out."
    )

    def get_conversationIds(self, customer) -> list[str]:  # noqa: N802
        return customer_conversation_ids(customer=customer)


@extend_schema_view(
    get=extend_schema(
        operation_id="searchUsers",
        summary="Find a user and their conversation ids",
        description="At least one parameter is required; each is normalized, and when several are given they must all "
        "match the same user. Unknown or repeated parameters are a 400.",
        tags=[TAG_USERS],
        parameters=[
            query_param("email", OpenApiTypes.EMAIL, "Email address (case-insensitive)."),
            query_param("phoneNumber", description="E.164 phone number; an unencoded `+` is accepted."),
            query_param("fkId", description="The operator's own key."),
        ],
        responses={
            200: ok_response(
                UserSearchResultSerializer,
                "The user plus `conversationIds`.",
                example_of("Found", {**USER, "conversationIds": ["order_391_fc", "123"]}),
            ),
            **errors_of(
                "validation_failed",
                *READ_ERRORS,
                overrides={
                    "validation_failed": {
                        "fields": [{"path": "query", "code": "required", "message": "give email, phoneNumber or fkId"}]
                    }
                },
            ),
        },
    )
)
class UserSearchView(IntegrationAPIView):
    """Registered before `users/<id>`: `search` is never read as an id."""

    def get(self, request):
        values = query_validated(UserSearchQuery, request)
        customer = customer_search(
            account=self.account,
            email=values.get("email", ""),
            phone=values.get("phoneNumber", ""),
            fk_id=values.get("fkId", ""),
        )
        if customer is None:
            raise ApiError(404, "not_found", "No user matches.")
        return Response(UserSearchResultSerializer(customer).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="getUser",
        summary="Get a user",
        description="404 for an unknown or malformed id, or a user of another account; 301 for a merged user.",
        tags=[TAG_USERS],
        parameters=[USER_UUID, MOVED_LOCATION],
        responses={
            200: ok_response(UserSerializer, "The user.", example_of("User", USER)),
            301: moved_response(
                "Merged user",
                "0d6f6c4e-8a51-4f37-9c2a-1d2e3f405162",
                USER["id"],
                f"/api/external/users/{USER['id']}",
            ),
            **errors_of(*READ_ERRORS),
        },
    ),
    delete=extend_schema(
        operation_id="deleteUser",
        summary="Delete a user",
        description="Revokes the user's devices; deletes conversations where they are the only customer; keeps their "
        "messages elsewhere with `sender: null`. Fires `user.deleted`. A second delete gives 404.",
        tags=[TAG_USERS],
        parameters=[USER_UUID, *WRITE_PARAMS],
        responses={
            204: OpenApiResponse(description="Deleted; empty body."),
            **errors_of(*READ_ERRORS, *IDEMPOTENCY_ERRORS),
        },
    ),
)
class UserDetailView(IntegrationAPIView):
    def _customer(self, user_id: str) -> Customer:
        try:
            user_uuid = uuid.UUID(user_id)
        except ValueError:
            raise ApiError(404, "not_found", "No such user.") from None
        customer = Customer.objects.filter(account=self.account, uuid=user_uuid).select_related("merged_into").first()
        if customer is None:
            raise ApiError(404, "not_found", "No such user.")
        return customer

    def get(self, request, user_id: str):
        customer = self._customer(user_id)
        if customer.merged_into is not None:
            survivor = customer.merged_into
            while survivor.merged_into_id is not None:
                survivor = survivor.merged_into
            return moved_permanently(
                old_id=str(customer.uuid),
                final_id=str(survivor.uuid),
                location=f"{request.path.rsplit('/', 1)[0]}/{survivor.uuid}",
            )
        return Response(user_representation(customer))

    def delete(self, request, user_id: str):
        customer = self._customer(user_id)
        if customer.merged_into_id is not None:
            raise ApiError(404, "not_found", "No such user.")
        customer_delete(customer=customer)
        return Response(status=204)


LOCALE = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"


class IdentifierListField(serializers.Field):
    """An array of 0–10 values, a single string, or null (which clears); each one normalised."""

    def __init__(self, normalize, **kwargs):
        self.normalize = normalize
        super().__init__(allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        values = [data] if isinstance(data, str) else data
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise serializers.ValidationError(field_error("must be a string or an array of strings", "wrong_type"))
        if len(values) > 10:
            raise serializers.ValidationError(field_error("at most 10 values", "too_many_items"))
        try:
            return list(dict.fromkeys(self.normalize(v) for v in values))
        except InvalidIdentifier as exc:
            raise serializers.ValidationError(field_error(str(exc), exc.code)) from None

    def to_representation(self, value):
        return value


class UserUpsertSerializer(StrictSerializer):
    name = serializers.CharField(min_length=1, max_length=200, required=False)
    email = IdentifierListField(email_normalize)
    phone = IdentifierListField(phone_normalize)
    photoUrl = serializers.URLField(max_length=2048, required=False, allow_null=True)
    welcomeMessage = serializers.CharField(max_length=1000, required=False, allow_null=True, allow_blank=True)
    role = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    locale = serializers.RegexField(LOCALE, max_length=35, required=False, allow_null=True)
    custom = CustomDataField(strings_only=True, required=False, allow_null=True)

    def changes(self) -> dict:
        data, names = (
            self.validated_data,
            {
                "name": "name",
                "email": "emails",
                "phone": "phones",
                "photoUrl": "photo_url",
                "welcomeMessage": "welcome_message",
                "role": "role",
                "locale": "locale",
                "custom": "custom",
            },
        )
        return {names[key]: value for key, value in data.items()}


@extend_schema_view(
    put=extend_schema(
        operation_id="upsertUserV1",
        summary="Create or update a user (TalkJS-style)",
        description="Merge-patch: fields not sent stay as they are. `name` is required when the user is created (with "
        "`fkId = userId`); `email` and `phone` are optional, each an array or a single string. Idempotent: answers "
        "`200 {}`.",
        tags=[TAG_V1],
        parameters=[APP_ID, V1_USER_ID],
        request=UserUpsertSerializer,
        examples=[
            request_example(
                "Upsert",
                {
                    "name": "Alice",
                    "email": ["alice@example.com"],
                    "photoUrl": "https://example.com/u/12081.png",
                    "welcomeMessage": "Hey there! :-)",
                    "role": "buyer",
                },
            )
        ],
        responses={
            200: ok_response(EMPTY_OBJECT, "Stored.", example_of("Done", {})),
            **errors_of(*WRITE_ERRORS, "app_mismatch", "not_found", "email_taken", "phone_taken"),
        },
    ),
    get=extend_schema(
        operation_id="getUserV1",
        summary="Get a user (TalkJS-style)",
        description="TalkJS's user: `email` and `phone` are arrays, or null when the user has none; timestamps in "
        "Unix milliseconds.",
        tags=[TAG_V1],
        parameters=[APP_ID, V1_USER_ID],
        responses={
            200: ok_response(
                UserRecordSerializer,
                "The user.",
                example_of(
                    "User",
                    {
                        "id": "12081",
                        "name": "Alice",
                        "email": ["alice@example.com"],
                        "phone": None,
                        "photoUrl": "https://example.com/u/12081.png",
                        "welcomeMessage": "Hey there! :-)",
                        "role": "buyer",
                        "locale": None,
                        "custom": {},
                        "kind": "customer",
                        "createdAt": 1714557600000,
                    },
                ),
            ),
            **errors_of(*READ_ERRORS, "app_mismatch"),
        },
    ),
)
class UserView(IntegrationAPIView):
    def put(self, request, app_id: str, user_id: str):
        path_id_check(user_id, name="userId", pattern=USER_ID)
        payload = UserUpsertSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if "name" not in request.data and customer_by_user_id(account=self.account, user_id=user_id) is None:
            # TalkJS's minimum: a name alone makes a user (no email, no phone: the fkId identifies them).
            raise validation_failed([FieldError("name", "required", "is required when the user is created")])
        customer_upsert(account=self.account, user_id=user_id, changes=payload.changes())
        return Response({})

    def get(self, request, app_id: str, user_id: str):
        customer = customer_by_user_id(account=self.account, user_id=user_id)
        if customer is None:
            raise ApiError(404, "not_found", "No such user.")
        return Response(UserRecordSerializer(customer).data)
