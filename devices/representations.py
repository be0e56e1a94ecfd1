"""How a customer looks in the integration API (conversation users) and in webhook events: declared once, as an
output serializer that renders both and documents the API."""

from __future__ import annotations

from rest_framework import serializers

from devices.models import Customer
from messenger_project.integration_api.serializers import IsoDateTimeField, NullIfBlankField


class UserMetadataSerializer(serializers.Serializer):
    customData = serializers.DictField(source="custom_data", child=serializers.JSONField())


class UserSerializer(serializers.Serializer):
    """A conversation user: every field present, unset optional ones null; names never null."""

    id = serializers.UUIDField(source="uuid")
    number = serializers.IntegerField(help_text="Per-account customer number.")
    firstName = serializers.CharField(source="first_name", allow_blank=True, help_text='Never null; "" when unknown.')
    lastName = serializers.CharField(source="last_name", allow_blank=True, help_text='Never null; "" when unknown.')
    context = NullIfBlankField()
    source = NullIfBlankField()
    fkId = serializers.CharField(source="fk_id", allow_null=True)
    fkUserId = NullIfBlankField(source="fk_user_id")
    email = NullIfBlankField()
    phoneNumber = NullIfBlankField(source="phone")
    metadata = UserMetadataSerializer(source="*")
    kind = serializers.SerializerMethodField(help_text="Always `customer`.")
    registered = serializers.BooleanField()
    createdAt = IsoDateTimeField(source="created_at")
    updatedAt = IsoDateTimeField(source="updated_at")

    def get_kind(self, customer) -> str:
        return "customer"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["firstName"], data["lastName"] = data["firstName"] or "", data["lastName"] or ""
        return data


def user_representation(customer: Customer) -> dict:
    return UserSerializer(customer).data
