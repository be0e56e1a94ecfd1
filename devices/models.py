"""The end user (Customer, the seeds' "conversation user") and their app installs (Device)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThanOrEqual

from agents.models import Account


class Customer(models.Model):
    """Anonymous (made by a device registration) or registered (by token, or through the integration API)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="customers")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the integration API's user `id`
    number = models.PositiveIntegerField(help_text="Per-account customer number (the [S3] customer id).")
    registered = models.BooleanField(default=False)
    # The operator's stable key: the customer id inside a registered Authorization token, or an [S1]/[S2] fkId.
    fk_id = models.CharField(max_length=128, null=True, blank=True, verbose_name="fkId")
    fk_user_id = models.CharField(max_length=128, blank=True, verbose_name="fkUserId")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True, help_text="Display name.")
    email = models.CharField(max_length=254, blank=True, help_text="Primary email.")
    phone = models.CharField(max_length=32, blank=True, help_text="Primary phone (E.164).")
    extra_emails = models.JSONField(default=list, blank=True)
    extra_phones = models.JSONField(default=list, blank=True)
    context = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=64, blank=True)
    photo_url = models.URLField(max_length=2048, blank=True)
    role = models.CharField(max_length=64, blank=True)
    locale = models.CharField(max_length=35, blank=True)
    welcome_message = models.TextField(blank=True)
    custom_data = models.JSONField(default=dict, blank=True)
    profile = models.JSONField(default=dict, blank=True, help_text="jobTitle, organization, gender, …")
    note = models.TextField(blank=True, help_text="The agents' free-text note (the desk's customer panel).")
    # Where an app message goes (design.md "What a client sees"); updated by message_post.
    current_conversation = models.ForeignKey(
        "conversations.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # An anonymous customer merged into a registered one keeps only this pointer (seed 000).
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "number"]
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="customer_unique_number"),
            # Registered-token and [S1]/[S2] lookups: WHERE account_id = ? AND fk_id = ?
            models.UniqueConstraint(
                fields=["account", "fk_id"], condition=models.Q(fk_id__isnull=False), name="customer_unique_fk_id"
            ),
            # [S1] search and [S3] lookup by email, case-insensitive: WHERE account_id = ? AND lower(email) = ?
            models.UniqueConstraint(
                "account", Lower("email"), condition=~models.Q(email=""), name="customer_unique_email_ci"
            ),
            # [S1] search by phone: WHERE account_id = ? AND phone = ?
            models.UniqueConstraint(
                fields=["account", "phone"], condition=~models.Q(phone=""), name="customer_unique_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.name or f"{self.first_name} {self.last_name}".strip()
        return full or f"Anonymous {str(self.uuid)[:8]}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class Device(models.Model):
    """One app install or browser, identified by the device id of `x-iris-identification`."""

    class PushType(models.IntegerChoices):
        FCM_LEGACY = 1, "FCM (legacy)"
        APNS = 2, "APNs"
        FCM_WEB = 3, "FCM web"
        CUSTOM_WEBHOOK = 4, "Custom webhook"
        CUSTOM_WEBHOOK_OAUTH = 5, "Custom webhook (OAuth)"
        FCM = 6, "FCM (HTTP v1)"

    class Type(models.IntegerChoices):
        ANDROID = 1, "Android"
        IOS = 2, "iOS"
        WEB = 3, "Web"
        GENERIC = 4, "Generic"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="devices")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="devices")
    device_id = models.CharField(
        max_length=255,
        validators=[MinLengthValidator(settings.DEVICE_ID_MIN_LENGTH)],
        help_text="The unique device id of x-iris-identification (10 to 255 characters, case-sensitive).",
    )
    push_token = models.CharField(max_length=512, blank=True)
    push_type = models.PositiveSmallIntegerField(choices=PushType.choices, null=True, blank=True)
    push_enabled = models.BooleanField(default=False, help_text="Informational: what the app reported.")
    push_unregistered_at = models.DateTimeField(
        null=True, blank=True, help_text="The push service reported the token as unregistered."
    )
    device_type = models.PositiveSmallIntegerField(choices=Type.choices, null=True, blank=True)
    sdk_version = models.CharField(max_length=20, blank=True)
    referrer = models.URLField(max_length=2048, blank=True)
    additional_information = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            # Every client request: WHERE account_id = ? AND device_id = ?
            models.UniqueConstraint(fields=["account", "device_id"], name="device_unique_per_account"),
            models.CheckConstraint(condition=GreaterThanOrEqual(Length("device_id"), 10), name="device_id_min_length"),
        ]
        indexes = [
            # Push delivery (devices of a customer that have a token) and "token unique per account" clearing.
            models.Index(fields=["account", "push_token"], name="device_push_token_idx"),
        ]

    def __str__(self) -> str:
        return self.device_id

    @property
    def has_push(self) -> bool:
        return bool(self.push_token) and self.push_type is not None and self.push_unregistered_at is None
