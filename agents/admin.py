from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.html import format_html

from agents.admin_delivery import PushSettingsInline
from agents.models import Account, Agent, ApiKey, AuditEntry, Membership, User, hex_colour
from agents.services import account_secret_rotate, api_key_create, api_key_revoke, audit_record
from agents.widgets import HexColourInput


def _copyable(value: str):
    """A secret shown read-only with a copy button (the admin's own pages allow this small inline script)."""
    return format_html(
        '<code class="secret">{}</code> <button type="button" class="button" '
        'onclick="navigator.clipboard.writeText(this.previousElementSibling.textContent)">Copy</button>',
        value,
    )


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
    readonly_fields = [
        "app_id_shown",
        "identification_shown",
        "authorization_secret_shown",
        "shared_secret_shown",
        "created_at",
        "updated_at",
    ]
    actions = ["rotate_authorization_secret", "rotate_shared_secret"]
    inlines = [PushSettingsInline]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if hex_colour in getattr(db_field, "validators", []):
            kwargs["widget"] = HexColourInput(label=str(db_field.verbose_name))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    fieldsets = [
        (None, {"fields": ["name"]}),
        (
            "Secrets",
            {
                "fields": ["app_id_shown", "identification_shown", "authorization_secret_shown", "shared_secret_shown"],
                "description": "Rotate a secret with the actions of the account list: tokens made with the old one "
                "stop working within seconds.",
            },
        ),
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
        (
            "Missed-message email",
            {
                "fields": ["missed_message_email_minutes", "chat_url"],
                "description": "Registered customers with an email address get one email per burst of agent "
                "messages they have not seen within the delay.",
            },
        ),
    ]

    @admin.display(description="App id")
    def app_id_shown(self, account: Account):
        return _copyable(account.app_id)

    @admin.display(description="Identification")
    def identification_shown(self, account: Account):
        return _copyable(account.identification)

    @admin.display(description="Authorization secret")
    def authorization_secret_shown(self, account: Account):
        return _copyable(account.authorization_secret)

    @admin.display(description="Shared secret")
    def shared_secret_shown(self, account: Account):
        return _copyable(account.shared_secret)

    def get_queryset(self, request):
        accounts = super().get_queryset(request)
        if request.user.is_superuser:
            return accounts
        return accounts.filter(memberships__agent__user=request.user)

    def has_change_permission(self, request, obj=None):
        """Only an admin of the account (or a superuser) edits it; other agents may only look."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return obj.memberships.filter(agent__user=request.user, role=Membership.Role.ADMIN).exists()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user, action="change account" if change else "create account", account=obj, target=obj.name
        )

    def _rotate(self, request, queryset, secret: str):
        for account in queryset:
            if self.has_change_permission(request, account):
                account_secret_rotate(account=account, secret=secret, actor=request.user)
                self.message_user(request, f"{account}: new {secret.replace('_', ' ')}.", messages.SUCCESS)
            else:
                self.message_user(request, f"{account}: only its admins may rotate secrets.", messages.ERROR)

    @admin.action(description="Rotate the authorization secret")
    def rotate_authorization_secret(self, request, queryset):
        self._rotate(request, queryset, "authorization_secret")

    @admin.action(description="Rotate the shared secret")
    def rotate_shared_secret(self, request, queryset):
        self._rotate(request, queryset, "shared_secret")


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
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "account__name"]
    autocomplete_fields = ["account", "bot"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "name", "bot"]
        return ["account", "name", "bot", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["account", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        key, plain = api_key_create(account=obj.account, name=obj.name, bot=obj.bot, actor=request.user)
        obj.pk = key.pk
        self.message_user(
            request,
            format_html("The new key is <code>{}</code>. Copy it now: it is never shown again.", plain),
            messages.WARNING,
        )

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset.select_related("account"):
            api_key_revoke(key=key, actor=request.user)
        self.message_user(request, "Revoked.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "account", "action", "target"]
    list_select_related = ["actor", "account"]
    list_filter = ["action"]
    search_fields = ["action", "target", "actor__username", "account__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
