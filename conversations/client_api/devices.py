"""Client API: `POST devices`, `GET config`, `POST services/event/{startTyping|stopTyping}`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.response import Response

from agents.business_hours_cache import ALWAYS_OPEN, account_chat_hours
from agents.models import Account
from conversations.client_api.base import ClientAPIView, json_object
from conversations.client_api.schema import JSON_ANY_TYPE_NOTE, answer, json_body, refusal, refusals
from conversations.client_api.serializers import (
    ClientConfigSerializer,
    DeviceRegistrationSerializer,
)
from conversations.services.customers import device_register
from conversations.typing import customer_typing_set
from devices.services import DeviceAttributes, customer_get_or_create_registered
from messenger_project.errors import ServiceError

SUBSCRIBED = {"type": "success", "message": "device_successfully_subscribed"}


class DevicesView(ClientAPIView):
    requires_device = False

    @extend_schema(
        operation_id="clientRegisterDevice",
        summary="Register or update this device",
        description="Idempotent; every SDK calls it often. Anonymous without `Authorization`; with a valid token the "
        "device is bound to that registered customer, and an earlier anonymous history with the same device id is "
        "merged into it. Every field is optional. " + JSON_ANY_TYPE_NOTE,
        request=json_body(
            DeviceRegistrationSerializer,
            OpenApiExample(
                "Web",
                {
                    "type": 3,
                    "version": "2.0.0",
                    "referer": "https://shop.example/help",
                    "userAdditionalInformation": {},
                },
            ),
            OpenApiExample("Android", {"pushToken": "f3x9kLq0", "pushType": 6, "type": 1, "version": "3.13.0"}),
            OpenApiExample(
                "iOS",
                {"pushToken": "c9q2mWv7", "pushType": 6, "pushEnabled": True, "type": 2, "version": "4.4.2"},
            ),
        ),
        responses={
            200: OpenApiResponse(
                {"type": "object", "additionalProperties": False, "description": "Always `{}`."},
                "Registered.",
                [answer("Subscribed", {}, notifications=[SUBSCRIBED])],
            ),
            400: refusals(
                "Bad request (the first notification is the code).",
                refusal("Device id too short or too long", "invalid_device_identification"),
                refusal("Validation error", "validation_error", 'pushType: "9" is not a valid choice.'),
            ),
            401: refusals(
                "Identification or authorization not valid.", refusal("Token expired", "authorization_expired")
            ),
        },
    )
    def post(self, request, api_version: str):
        payload = DeviceRegistrationSerializer(data=json_object(request.data))
        payload.is_valid(raise_exception=True)
        fields = payload.validated_data
        caller = self.caller
        registered = None
        if caller.token_customer_id is not None:
            registered = customer_get_or_create_registered(account=caller.account, fk_id=caller.token_customer_id)
        device_register(
            account=caller.account,
            device_id=caller.device_id,
            registered_customer=registered,
            attributes=DeviceAttributes(
                push_token=fields.get("pushToken"),
                push_type=fields.get("pushType"),
                push_enabled=fields.get("pushEnabled"),
                device_type=fields.get("type"),
                sdk_version=fields.get("version"),
                referrer=fields.get("referrer") or fields.get("referer"),
                additional_information=fields.get("userAdditionalInformation") or {},
            ),
        )
        response = Response({})
        response.notifications = [SUBSCRIBED]
        return response


EXAMPLE_ACCOUNT = Account(
    name="Example Shop",
    telephone="+31201234567",
    info_text="Welcome! We usually answer within a minute.",
    info_text2="Turn on notifications to hear from us.",
)


class ConfigView(ClientAPIView):
    @extend_schema(
        operation_id="clientGetConfig",
        summary="Chat look and settings",
        description="The account's display settings: colours, fonts and texts. No SDK calls it; served for "
        "integrators and custom clients. Polled by our web widget: the account's business hours (`online`, "
        "`opensAt`, `stickyMessage`) come from a cached schedule, with no query for them.",
        responses=OpenApiResponse(
            ClientConfigSerializer,
            "The settings.",
            [answer("Config", ClientConfigSerializer(EXAMPLE_ACCOUNT, context={"hours": ALWAYS_OPEN}).data)],
        ),
    )
    def get(self, request, api_version: str):
        account = self.caller.account
        return Response(ClientConfigSerializer(account, context={"hours": account_chat_hours(account)}).data)


class TypingEventView(ClientAPIView):
    EVENTS = {"startTyping": True, "stopTyping": False}

    @extend_schema(
        operation_id="clientSendTypingEvent",
        summary="Customer starts or stops typing",
        description="No body (an empty body with any Content-Type is accepted). Sets or clears the customer's typing "
        "state for the desk; it expires 25 s after the last `startTyping`.",
        request=None,
        responses={
            200: OpenApiResponse(
                {"type": "string", "description": "`event startTyping executed` or `event stopTyping executed`."},
                "Done.",
                [
                    answer("startTyping", "event startTyping executed"),
                    answer("stopTyping", "event stopTyping executed", url="services/event/stopTyping"),
                ],
            ),
            404: refusals("Not found.", refusal("Unknown event name", "not_found")),
        },
    )
    def post(self, request, api_version: str, event: str):
        if event not in self.EVENTS:
            raise ServiceError("not_found", status_code=404)
        customer = self.caller.customer
        if customer.current_conversation_id is not None:
            customer_typing_set(
                conversation_id=customer.current_conversation_id, customer=customer, typing=self.EVENTS[event]
            )
        return Response(f"event {event} executed")
