from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agents.models import Account, Agent, ApiKey, Membership, User

admin.site.site_header = "Secure Messenger"
admin.site.site_title = "Secure Messenger"
admin.site.index_title = "Operations"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["account"]


class AgentInline(admin.StackedInline):
    model = Agent
    can_delete = False
    extra = 0


@admin.register(User)
class MessengerUserAdmin(UserAdmin):
    inlines = [AgentInline]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "app_id", "identification", "authorization_required", "created_at"]
    search_fields = ["name", "app_id", "identification"]
    readonly_fields = ["identification", "app_id", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "app_id", "identification", "authorization_secret", "shared_secret"]}),
        (
            "Texts",
            {
                "fields": [
                    "welcome_message",
                    "sticky_message",
                    "offline_message",
                    "info_text",
                    "info_text2",
                    "generic_push_message",
                    "telephone",
                ]
            },
        ),
        (
            "Chat look",
            {
                "fields": [
                    "font",
                    "balloon_style",
                    "allow_image",
                    "background_color",
                    "background_image",
                    "ios_status_bar_text_color",
                    "nav_background_color",
                    "nav_text_color",
                    "nav_hide_close_button",
                    "date_border",
                    "date_color",
                    "ios_input_container_background_color",
                    "input_field_background_color",
                    "input_field_text_color",
                    "input_field_placeholder_color",
                    "input_background_color",
                    "input_text_color",
                    "user_background_color",
                    "user_text_color",
                    "user_text_link_color",
                    "user_time_color",
                    "user_sent_color",
                    "account_background_color",
                    "account_text_color",
                    "account_text_link_color",
                    "account_time_color",
                    "info_text_background_color",
                    "info_text_border",
                    "info_text_color",
                ]
            },
        ),
        (
            "Policies",
            {
                "fields": [
                    "authorization_required",
                    "max_threads",
                    "lock_after_days",
                    "thread_inactivity_hours",
                    "allowed_origins",
                    "device_quota_limit",
                    "device_quota_interval",
                    "device_quota_time_unit",
                ]
            },
        ),
    ]


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "is_bot"]
    list_select_related = ["user"]
    search_fields = ["display_name", "user__username", "user__email"]
    list_filter = ["is_bot"]
    inlines = [MembershipInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "prefix", "bot", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["account", "bot"]
    search_fields = ["name", "prefix", "account__name"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "revoked_at"]
    autocomplete_fields = ["account", "bot"]
