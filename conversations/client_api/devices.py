"""Client API: `POST devices`, `GET config`, `POST services/event/{startTyping|stopTyping}`."""

from __future__ import annotations

from rest_framework.response import Response

from agents.models import Account
from conversations.client_api.base import ClientAPIView, json_object
from conversations.client_api.serializers import DeviceRegistrationSerializer
from conversations.services.customers import device_register
from conversations.typing import customer_typing_set
from devices.services import DeviceAttributes, customer_get_or_create_registered
from messenger_project.errors import ServiceError


class DevicesView(ClientAPIView):
    requires_device = False

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
        response.notifications = [{"type": "success", "message": "device_successfully_subscribed"}]
        return response


def chat_config(account: Account) -> dict:
    """Seed 004's `GET config`, with its odd types kept exactly (client API §9)."""
    return {
        "name": account.name,
        "telephone": account.telephone,
        "font": account.font,
        "allowImage": account.allow_image,
        "backgroundColor": account.background_color,
        "backgroundImage": account.background_image,
        "iOSStatusBarTextColor": account.ios_status_bar_text_color,
        "navBackgroundColor": account.nav_background_color,
        "navTextColor": account.nav_text_color,
        "navHideCloseButton": account.nav_hide_close_button,
        "dateBorder": account.date_border,
        "dateColor": account.date_color,
        "iOSInputContainerBackgroundColor": account.ios_input_container_background_color,
        "inputFieldBackgroundColor": account.input_field_background_color,
        "inputFieldTextColor": account.input_field_text_color,
        "inputFieldPlaceholderColor": account.input_field_placeholder_color,
        "inputBackgroundColor": account.input_background_color,
        "inputTextColor": account.input_text_color,
        "balloonStyle": account.balloon_style,
        "userBackgroundColor": account.user_background_color,
        "userTextColor": account.user_text_color,
        "userTextLinkColor": account.user_text_link_color,
        "userTimeColor": account.user_time_color,
        "userSentColor": account.user_sent_color,
        "accountBackgroundColor": account.account_background_color,
        "accountTextColor": account.account_text_color,
        "accountTextLinkColor": account.account_text_link_color,
        "accountTimeColor": account.account_time_color,
        "infoTextBackgroundColor": account.info_text_background_color,
        "infoTextBorder": account.info_text_border,
        "infoTextColor": account.info_text_color,
        "infoText": account.info_text,
        "infoText2": account.info_text2,
        "genericPushMessage": account.generic_push_message,
        "authorizationRequired": "1" if account.authorization_required else "0",
        # Not in seed 004: read by our own web widget (SDKs ignore keys they do not know).
        "offlineMessage": account.offline_message,
    }


class ConfigView(ClientAPIView):
    def get(self, request, api_version: str):
        return Response(chat_config(self.caller.account))


class TypingEventView(ClientAPIView):
    EVENTS = {"startTyping": True, "stopTyping": False}

    def post(self, request, api_version: str, event: str):
        if event not in self.EVENTS:
            raise ServiceError("not_found", status_code=404)
        customer = self.caller.customer
        if customer.current_conversation_id is not None:
            customer_typing_set(
                conversation_id=customer.current_conversation_id, customer=customer, typing=self.EVENTS[event]
            )
        return Response(f"event {event} executed")
