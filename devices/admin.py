from django.contrib import admin

from agents.admin_scoping import TenantScopedAdmin, TenantScopedInline
from devices.models import Customer, Device


class DeviceInline(TenantScopedInline, admin.TabularInline):
    model = Device
    account_path = "account"
    extra = 0
    fields = ["device_id", "device_type", "sdk_version", "push_type", "push_enabled", "last_seen_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(TenantScopedAdmin):
    account_path = "account"
    ordering = ["-pk"]  # as the changelist orders; the autocomplete pages need an order too
    list_display = ["__str__", "account", "number", "registered", "fk_id", "email", "phone", "created_at"]
    list_select_related = ["account"]
    list_filter = ["registered", "account"]
    search_fields = ["name", "first_name", "last_name", "email", "phone", "fk_id", "=uuid"]
    readonly_fields = ["uuid", "number", "merged_into", "current_conversation", "created_at", "updated_at"]
    autocomplete_fields = ["account"]
    inlines = [DeviceInline]


@admin.register(Device)
class DeviceAdmin(TenantScopedAdmin):
    account_path = "account"
    list_display = ["device_id", "customer", "account", "device_type", "push_type", "last_seen_at"]
    list_select_related = ["customer", "account"]
    list_filter = ["device_type", "push_type"]
    search_fields = ["device_id", "customer__name", "customer__email"]
    autocomplete_fields = ["account", "customer"]
