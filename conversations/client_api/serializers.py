"""The client API's shapes: what the views read and what they answer. Each declaration both renders (or parses)
and documents itself (drf-spectacular); the envelope around them is `schema.ClientAutoSchema`'s."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.business_hours_cache import account_sticky_message
from conversations.client_api.formatting import message_object
from devices.models import Device

# --- input ------------------------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "String→string map (`name`, `email`, `address`, …): any JSON object is accepted; other "
        "scalars are coerced to strings, and null, objects and arrays are ignored.",
    }
)
class StringMapField(serializers.Field):
    """`userAdditionalInformation`: a string→string map; other scalars are coerced, nested values ignored."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object.")
        return {
            str(key)[:100]: str(value)[:1000]
            for key, value in data.items()
            if value is not None and not isinstance(value, dict | list)
        }

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "maxLength": 0},
            {
                "type": "string",
                "format": "uri",
                "pattern": "^(?:[Hh][Tt][Tt][Pp][Ss]?|[Ff][Tt][Pp][Ss]?)://",
                "maxLength": 2048,
            },
        ],
        "description": "The page or app the SDK runs in: an http(s) or ftp(s) URL (anything else is a "
        '`validation_error`), or "".',
    }
)
class ReferrerField(serializers.CharField):
    """`referer` / `referrer`: a URL, checked when the device stores it."""


class DeviceRegistrationSerializer(serializers.Serializer):
    """`POST devices`. Every field is optional and unknown keys are ignored."""

    pushToken = serializers.CharField(required=False, allow_blank=True, max_length=512)
    pushType = serializers.ChoiceField(choices=Device.PushType.values, required=False)
    pushEnabled = serializers.BooleanField(required=False)
    type = serializers.ChoiceField(choices=Device.Type.values, required=False)
    version = serializers.CharField(required=False, allow_blank=True, max_length=100)
    userAdditionalInformation = StringMapField(required=False)
    referer = ReferrerField(required=False, allow_blank=True, max_length=2048)
    referrer = ReferrerField(required=False, allow_blank=True, max_length=2048)


class ClientMediaUploadFormSerializer(serializers.Serializer):
    """`POST media` as a multipart form: the file in `media` (`missing_media` without it)."""

    media = serializers.FileField(help_text="The file, at most 10 MiB. Its type is detected from the bytes.")


class ClientLegacyImageFormSerializer(serializers.Serializer):
    """`POST messages` as a multipart form: the image in `image`."""

    image = serializers.FileField(help_text="Legacy image upload (a form with the file); creates a media message.")


# --- output -----------------------------------------------------------------------------------------------------


class BinaryFlagField(serializers.BooleanField):
    """A boolean written as the string "1" or "0" (as seed 004's config has it)."""

    def to_representation(self, value) -> str:
        return "1" if value else "0"


extend_schema_field({"type": "string", "enum": ["0", "1"]})(BinaryFlagField)


class ClientConfigSerializer(serializers.Serializer):
    """The chat's look and texts, with the types the SDKs expect. Colours are RGB hex without `#`."""

    name = serializers.CharField()
    telephone = serializers.CharField()
    font = serializers.IntegerField()
    allowImage = serializers.BooleanField(source="allow_image")
    backgroundColor = serializers.CharField(source="background_color")
    backgroundImage = serializers.CharField(source="background_image", help_text='A URL or "".')
    iOSStatusBarTextColor = serializers.CharField(source="ios_status_bar_text_color", help_text='"0" or "1".')
    navBackgroundColor = serializers.CharField(source="nav_background_color")
    navTextColor = serializers.CharField(source="nav_text_color")
    navHideCloseButton = serializers.BooleanField(source="nav_hide_close_button")
    dateBorder = serializers.BooleanField(source="date_border")
    dateColor = serializers.CharField(source="date_color")
    iOSInputContainerBackgroundColor = serializers.CharField(source="ios_input_container_background_color")
    inputFieldBackgroundColor = serializers.CharField(source="input_field_background_color")
    inputFieldTextColor = serializers.CharField(source="input_field_text_color")
    inputFieldPlaceholderColor = serializers.CharField(source="input_field_placeholder_color")
    inputBackgroundColor = serializers.CharField(source="input_background_color")
    inputTextColor = serializers.CharField(source="input_text_color")
    balloonStyle = serializers.IntegerField(source="balloon_style")
    userBackgroundColor = serializers.CharField(source="user_background_color")
    userTextColor = serializers.CharField(source="user_text_color")
    userTextLinkColor = serializers.CharField(source="user_text_link_color")
    userTimeColor = serializers.CharField(source="user_time_color")
    userSentColor = serializers.CharField(source="user_sent_color")
    accountBackgroundColor = serializers.CharField(source="account_background_color")
    accountTextColor = serializers.CharField(source="account_text_color")
    accountTextLinkColor = serializers.CharField(source="account_text_link_color")
    accountTimeColor = serializers.CharField(source="account_time_color")
    infoTextBackgroundColor = serializers.CharField(source="info_text_background_color")
    infoTextBorder = serializers.IntegerField(source="info_text_border")
    infoTextColor = serializers.CharField(source="info_text_color")
    infoText = serializers.CharField(source="info_text", help_text="Welcome text when push is on.")
    infoText2 = serializers.CharField(source="info_text2", help_text="Text when push is off.")
    genericPushMessage = serializers.CharField(
        source="generic_push_message", help_text='Fixed push alert text; "" means the message text.'
    )
    authorizationRequired = BinaryFlagField(source="authorization_required")
    offlineMessage = serializers.CharField(
        source="offline_message", help_text="Shown by the web widget when no agent is online."
    )
    preChatForm = serializers.BooleanField(
        source="pre_chat_form",
        help_text="Our addition (no Parley SDK reads it): the web widget asks a visitor who is not logged in for an "
        "email address and a name, sent as the device's `userAdditionalInformation`.",
    )
    language = serializers.CharField(
        source="chat_language",
        help_text='Our addition: the web widget\'s language ("en" or "nl") when the page\'s `<html lang>` is not one '
        "it speaks.",
    )
    # Our additions for business hours (#20; no Parley SDK reads them), from the view's `hours`
    # (`agents.business_hours_cache.ChatHours`): the sticky text as `GET messages` serves it, open or not, and when.
    stickyMessage = serializers.SerializerMethodField(
        help_text="Our addition: the sticky text as `GET messages` serves it; outside the account's business hours "
        "its offline message (or a default text)."
    )
    online = serializers.SerializerMethodField(
        help_text="Our addition: whether the account is inside its business hours now (always true without them)."
    )
    opensAt = serializers.SerializerMethodField(
        help_text="Our addition: closed now, the next opening (ISO 8601, UTC); null when open or never opening."
    )

    @extend_schema_field({"type": "string", "nullable": True})
    def get_stickyMessage(self, account) -> str | None:
        return account_sticky_message(account, self.context["hours"])

    @extend_schema_field({"type": "boolean"})
    def get_online(self, account) -> bool:
        return self.context["hours"].online

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_opensAt(self, account) -> str | None:
        opens_at = self.context["hours"].opens_at
        return opens_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if opens_at else None


class ClientAgentSerializer(serializers.Serializer):
    """The agent shown with a message or a page."""

    # Rendered by `formatting.agent_object` (as part of a message or a page).

    id = serializers.IntegerField(help_text="Always an integer.")
    name = serializers.CharField(allow_blank=True, help_text='Always a string; may be "".')
    avatar = serializers.URLField(allow_null=True)
    isTyping = serializers.IntegerField(allow_null=True, help_text="`null` or Unix seconds; never a boolean.")


class ClientMediaObjectSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`img/{account}/{year}/{month}/{day}/{filename}`.")
    mimeType = serializers.CharField()
    year = serializers.CharField(help_text="No zero padding.")
    month = serializers.CharField(help_text="No zero padding.")
    day = serializers.CharField(help_text="No zero padding.")
    filename = serializers.CharField(required=False, help_text="Stored file name (since v1.8).")
    description = serializers.CharField(help_text="The name shown to people.")


class ClientButtonSerializer(serializers.Serializer):
    title = serializers.CharField()
    payload = serializers.CharField()
    type = serializers.ChoiceField(choices=["webUrl", "phoneNumber", "reply"])


class ClientCarouselItemSerializer(serializers.Serializer):
    title = serializers.CharField(allow_null=True)
    message = serializers.CharField(allow_null=True)
    media = ClientMediaObjectSerializer(allow_null=True)
    buttons = ClientButtonSerializer(many=True)


@extend_schema_field(
    {
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "array", "maxItems": 0, "items": {}}],
        "description": "Custom data of the message. `[]` when empty.",
    }
)
class CustomDataField(serializers.JSONField):
    pass


class ClientMessageSerializer(serializers.Serializer):
    """A message as the reading customer sees it."""

    # Rendered by `formatting.message_object`, plain code (up to 50 messages on every poll); the context gives the
    # `version` and `device_type`. tests/clientapi/test_shapes.py keeps the fields and the renderer in step.

    id = serializers.IntegerField()
    time = serializers.IntegerField(min_value=1, help_text="Unix seconds, a positive integer.")
    message = serializers.CharField(allow_null=True, help_text="Text, Markdown (GFM).")
    image = serializers.CharField(allow_null=True, help_text="Legacy: `media.id` when the media is an image.")
    typeId = serializers.ChoiceField(
        choices=[(1, "user"), (2, "agent"), (3, "info"), (4, "user-system"), (5, "agent-system")]
    )
    agent = ClientAgentSerializer(allow_null=True)
    title = serializers.CharField(allow_null=True)
    media = ClientMediaObjectSerializer(allow_null=True)
    buttons = ClientButtonSerializer(many=True)
    carousel = ClientCarouselItemSerializer(many=True, help_text="Never null: `[]` or items.")
    quickReplies = serializers.ListField(child=serializers.CharField())
    custom = CustomDataField()
    status = serializers.ChoiceField(
        choices=[(2, "available"), (3, "received"), (4, "seen")],
        required=False,
        help_text="v1.9 only: 2 available, 3 received, 4 seen.",
    )

    def to_representation(self, instance):
        return message_object(instance, version=self.context["version"], device_type=self.context["device_type"])


class ClientPagingSerializer(serializers.Serializer):
    before = serializers.CharField(
        allow_blank=True, help_text='`/messages/before:{smallest id}` when older messages exist, else "".'
    )
    after = serializers.CharField(allow_blank=True, help_text='`/messages/after:{largest id}`, or "".')


class ClientTimelineExtraSerializer(serializers.Serializer):
    """The keys a page of messages adds to the envelope, beside `data`."""

    agent = ClientAgentSerializer(allow_null=True, help_text="The agent typing in, or assigned to, the current chat.")
    paging = ClientPagingSerializer()
    stickyMessage = serializers.CharField(
        allow_null=True,
        help_text="The account's sticky text; outside its business hours, its offline message (or a default text).",
    )
    welcomeMessage = serializers.CharField(allow_null=True)


class ClientMessageSentSerializer(serializers.Serializer):
    messageId = serializers.CharField(source="pk", help_text="The new message's id, as a string.")


class ClientMediaUploadedSerializer(serializers.Serializer):
    media = serializers.CharField(help_text="v1.9: an opaque id without `/` (a UUID); before: the path form.")


class ClientUnseenCountSerializer(serializers.Serializer):
    messageIds = serializers.ListField(child=serializers.IntegerField())
    count = serializers.IntegerField()


class ClientStatusChangedSerializer(serializers.Serializer):
    messageIds = serializers.ListField(child=serializers.IntegerField(), help_text="The ids actually changed.")
