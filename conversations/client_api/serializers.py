from __future__ import annotations

from rest_framework import serializers

from devices.models import Device


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


class DeviceRegistrationSerializer(serializers.Serializer):
    """`POST devices` (client API §5.1). Every field is optional and unknown keys are ignored."""

    pushToken = serializers.CharField(required=False, allow_blank=True, max_length=512)
    pushType = serializers.ChoiceField(choices=Device.PushType.values, required=False)
    pushEnabled = serializers.BooleanField(required=False)
    type = serializers.ChoiceField(choices=Device.Type.values, required=False)
    version = serializers.CharField(required=False, allow_blank=True, max_length=100)
    userAdditionalInformation = StringMapField(required=False)
    referer = serializers.CharField(required=False, allow_blank=True, max_length=2048)
    referrer = serializers.CharField(required=False, allow_blank=True, max_length=2048)
