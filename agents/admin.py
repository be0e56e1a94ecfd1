from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django_tasks_db.admin import DBTaskResultAdmin  # registers itself on import: re-registered below
from django_tasks_db.models import DBTaskResult

from agents import admin_oauth  # noqa: F401  (registers the OAuth apps admin; takes DOT's own admins off)
from agents.admin_audit import AuditedAdmin
from agents.admin_delivery import PushSettingsInline
from agents.admin_display import short_time, wrapped
from agents.admin_fields import LinesField, web_origin_check
from agents.admin_routing import ACCOUNT_FIELDSETS, AccountRoutingForm, HolidayInline, OpeningHoursInline
from agents.admin_scoping import SuperuserOnlyAdmin, TenantScopedAdmin, TenantScopedInline, account_ids
from agents.audit_changes import SECRET_CHANGED
from agents.models import Account, Agent, ApiKey, Membership, User, hex_colour
from agents.services import account_secret_rotate, agent_create, api_key_create, api_key_revoke, audit_record
from agents.widgets import HexColourInput


class AccountForm(AccountRoutingForm):
    allowed_origins = LinesField(
        item_check=web_origin_check,
        label="Allowed origins",
        help_text="Web origins allowed to call the client API, one per line (https://shop.example.com); "
        "empty allows any.",
    )


def _copyable(value: str):
    """A secret shown read-only with a copy button (bound by static/agents/admin_copy.js: the Content-Security-Policy
    runs no inline handler)."""
    return format_html(
        '<code class="secret">{}</code> <button type="button" class="button" data-copy>Copy</button>', value
    )


admin.site.site_header = "Secure Messenger"
admin.site.site_title = "Secure Messenger"
admin.site.index_title = "Operations"


# --- rows of no tenant: superusers only ---------------------------------------------------------------------

admin.site.unregister(Group)
admin.site.unregister(DBTaskResult)


@admin.register(Group)
class SuperuserGroupAdmin(SuperuserOnlyAdmin, GroupAdmin):
    """Groups are global sets of permissions: whoever edits one changes what every member of every tenant may do."""


@admin.register(DBTaskResult)
class SuperuserTaskResultAdmin(SuperuserOnlyAdmin, DBTaskResultAdmin):
    """The task queue serves every tenant at once (its arguments name other tenants' rows): the server's operators'."""


# --- agents and their logins ---------------------------------------------------------------------------------


class MembershipInline(TenantScopedInline, admin.TabularInline):
    model = Membership
    account_path = "account"
    fields = ["account", "role", "capacity"]
    extra = 0
    autocomplete_fields = ["account"]


class AgentInline(TenantScopedInline, admin.StackedInline):
    model = Agent
    account_path = "memberships__account"
    can_delete = False
    extra = 0


def _served_account(request, agent: Agent | None, accounts) -> Account | None:
    """The account an entry about an agent (or its login) belongs to: one it serves that the editor administers."""
    if agent is None or agent.pk is None:
        return None
    memberships = agent.memberships.select_related("account").order_by("account_id")
    if accounts is not None:
        memberships = memberships.filter(account_id__in=accounts)
    first = memberships.first()
    return first.account if first else None


def _agent_creation_form(accounts):
    class AgentCreationForm(AdminUserCreationForm):
        """A new login with its agent and its first account: what an account's admin may add (a user serving no
        account would be nobody's, and invisible to them)."""

        display_name = forms.CharField(max_length=100)
        is_bot = forms.BooleanField(required=False, help_text="A bot answers through API keys and has no login.")
        account = forms.ModelChoiceField(queryset=Account.objects.none())
        role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.AGENT)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["account"].queryset = accounts

    return AgentCreationForm


@admin.register(User)
class MessengerUserAdmin(AuditedAdmin, TenantScopedAdmin, UserAdmin):
    """An account's admin sees the logins of its agents, adds agents to the accounts they administer, and edits a
    login only if it serves no other account, is no superuser and may do nothing they may not. Only superusers
    see or set is_staff, is_superuser, groups and permissions."""

    account_path = "agent__memberships__account"
    inlines = [AgentInline]
    superuser_fields = ("is_staff", "is_superuser", "groups", "user_permissions")
    agent_add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        ("Agent", {"fields": ("display_name", "is_bot", "account", "role")}),
    )

    def get_fieldsets(self, request, obj=None):
        if account_ids(request) is None:
            return super().get_fieldsets(request, obj)
        if obj is None:
            return self.agent_add_fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in self.superuser_fields]})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and account_ids(request) is not None:
            accounts = Account.objects.filter(pk__in=self.tenant_accounts(request, write=True))
            kwargs["form"] = _agent_creation_form(accounts)
        return super().get_form(request, obj, **kwargs)

    def user_change_password(self, request, id, form_url=""):
        """The admin's password page: a new password is audited as "changed" (never the hash)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                self.audit(
                    request,
                    action="change password",
                    obj=user,
                    account=self.audit_account(request, user),
                    changes={"password": SECRET_CHANGED},
                )
        return response

    def audit_account(self, request, obj):
        agent = Agent.objects.filter(user=obj).first() if isinstance(obj, User) else obj
        return _served_account(request, agent, self.tenant_accounts(request, write=True))

    def get_inline_instances(self, request, obj=None):
        if obj is None and account_ids(request) is not None:
            return []  # the agent comes from the add form's own fields
        return super().get_inline_instances(request, obj)

    def writable_queryset(self, request, queryset):
        users = super().writable_queryset(request, queryset)
        accounts = self.tenant_accounts(request, write=True)
        if accounts is None:
            return users
        elsewhere = Membership.objects.exclude(account_id__in=accounts)
        return users.exclude(is_superuser=True).exclude(agent__memberships__in=elsewhere)

    def may_change(self, request, obj):
        if not super().may_change(request, obj):
            return False
        return account_ids(request) is None or obj.get_all_permissions() <= request.user.get_all_permissions()

    def save_model(self, request, obj, form, change):
        if change or account_ids(request) is None:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        usable = data.get("set_usable_password") and not data["is_bot"]
        agent = agent_create(
            username=obj.username,
            display_name=data["display_name"],
            password=data.get("password1") if usable else None,
            is_bot=data["is_bot"],
            accounts={data["account"]: data["role"]},
        )
        obj.pk = agent.user.pk
        audit_record(actor=request.user, action="create agent", account=data["account"], target=obj.username)


# The agents (not bots) serving an account: one subquery per list, not a query per row.
_AGENT_COUNT = Coalesce(
    Subquery(
        Membership.objects.filter(account=OuterRef("pk"), agent__is_bot=False)
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    ),
    Value(0),
)
UNSERVED = (
    "Nobody serves this account: its conversations show in no agent's desk (superusers see every account). "
    "Add an agent: open one in {} and add a membership of this account, or add a new login in {}."
)


@admin.register(Account)
class AccountAdmin(AuditedAdmin, TenantScopedAdmin):
    list_display = ["name", "agents_serving", "app_id", "identification_wrapped", "authorization_required", "created"]
    list_filter = ["authorization_required", "pre_chat_form", "business_hours_enabled"]
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
    form = AccountForm
    inlines = [OpeningHoursInline, HolidayInline, PushSettingsInline]
    account_path = "pk"

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
            "Chat colours",
            {
                "classes": ["chat-colours"],
                "description": "The preview beside these fields follows every change before you save.",
                "fields": [
                    "font",
                    "balloon_style",
                    "nav_background_color",
                    "nav_text_color",
                    "background_color",
                    "date_color",
                    "date_border",
                    "account_background_color",
                    "account_text_color",
                    "account_text_link_color",
                    "account_time_color",
                    "user_background_color",
                    "user_text_color",
                    "user_text_link_color",
                    "user_time_color",
                    "user_sent_color",
                    "info_text_background_color",
                    "info_text_border",
                    "info_text_color",
                    "input_background_color",
                    "input_text_color",
                    "input_field_background_color",
                    "input_field_text_color",
                    "input_field_placeholder_color",
                    "ios_input_container_background_color",
                    "ios_status_bar_text_color",
                ],
            },
        ),
        (
            "Texts",
            {
                "fields": [
                    "welcome_message",
                    "sticky_message",
                    "info_text",
                    "info_text2",
                    "generic_push_message",
                    "telephone",
                ]
            },
        ),
        (
            "Chat behaviour",
            {
                "fields": [
                    "pre_chat_form",
                    "chat_language",
                    "allow_image",
                    "background_image",
                    "nav_hide_close_button",
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
                    "retention_days",
                ]
            },
        ),
        (
            "Missed-message email",
            {
                "fields": ["missed_message_email_minutes", "chat_url"],
                "description": "Customers with an email address (registered ones, and visitors who filled in the "
                "widget's pre-chat form) get one email per burst of agent messages they have not seen within the "
                "delay.",
            },
        ),
        *ACCOUNT_FIELDSETS,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agent_count=_AGENT_COUNT)

    @admin.display(description="Identification", ordering="identification")
    def identification_wrapped(self, account: Account):
        return wrapped(account.identification)

    @admin.display(description="Created", ordering="created_at")
    def created(self, account: Account):
        return short_time(account.created_at)

    @admin.display(description="Agents", ordering="agent_count")
    def agents_serving(self, account: Account):
        if account.agent_count:
            return account.agent_count
        return format_html('<strong class="unserved">{}</strong>', "Nobody serves it")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            account = self.get_object(request, object_id)
            if account is not None and not account.agent_count:
                links = [
                    format_html('<a href="{}">{}</a>', reverse(f"admin:agents_{model}_{view}"), label)
                    for model, view, label in (("agent", "changelist", "Agents"), ("user", "add", "Users"))
                ]
                self.message_user(request, format_html(UNSERVED, *links), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

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

    # Only an admin of the account (or a superuser) edits it; other agents may only look (TenantScopedAdmin).
    # Tenants are made and removed by the server's operators.

    def has_add_permission(self, request):
        return account_ids(request) is None and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return account_ids(request) is None and super().has_delete_permission(request, obj)

    secret_fields = ("authorization_secret_shown", "shared_secret_shown")

    def get_fieldsets(self, request, obj=None):
        """The two secrets (the keys of registered users' tokens) are shown to those who may change the account."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in self.secret_fields]})
            for name, options in fieldsets
        ]

    def audit_account(self, request, obj):
        return obj if isinstance(obj, Account) else super().audit_account(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)  # a change: audited with its changes by AuditedAdmin
        if not change:
            audit_record(actor=request.user, action="create account", account=obj, target=obj.name)

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
class AgentAdmin(AuditedAdmin, TenantScopedAdmin):
    """An account's admin manages its agents' memberships of the accounts they administer; an agent's own fields
    only if it serves no other account; its login never (agents are added on the user page)."""

    list_display = ["display_name", "user", "is_bot"]
    list_select_related = ["user"]
    search_fields = ["display_name", "user__username", "user__email"]
    list_filter = ["is_bot"]
    inlines = [MembershipInline]
    account_path = "memberships__account"

    def audit_account(self, request, obj):
        if isinstance(obj, Agent):
            return _served_account(request, obj, self.tenant_accounts(request, write=True))
        return super().audit_account(request, obj)

    def _serves_elsewhere(self, request, agent: Agent) -> bool:
        accounts = self.tenant_accounts(request, write=True)
        return accounts is not None and agent.memberships.exclude(account_id__in=accounts).exists()

    def has_add_permission(self, request):
        return account_ids(request) is None and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or account_ids(request) is None:
            return fields
        fields.append("user")
        if self._serves_elsewhere(request, obj):
            fields += ["display_name", "avatar", "is_bot"]
        return fields

    def may_delete(self, request, obj):
        return super().may_delete(request, obj) and not self._serves_elsewhere(request, obj)


@admin.register(ApiKey)
class ApiKeyAdmin(AuditedAdmin, TenantScopedAdmin):
    list_display = ["name", "account", "prefix", "bot", "last_used", "state"]
    list_select_related = ["account", "bot"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "account__name"]
    autocomplete_fields = ["account", "bot"]
    actions = ["revoke"]
    account_path = "account"

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

    @admin.display(description="Last used", ordering="last_used_at")
    def last_used(self, key: ApiKey):
        return short_time(key.last_used_at)

    @admin.display(description="State", ordering="revoked_at")
    def state(self, key: ApiKey):
        return "active" if key.revoked_at is None else f"revoked {short_time(key.revoked_at)}"

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset.select_related("account"):
            api_key_revoke(key=key, actor=request.user)
        self.message_user(request, "Revoked.", messages.SUCCESS)
