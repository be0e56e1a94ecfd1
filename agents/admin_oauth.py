"""The "OAuth apps" admin: an account's OAuth2 client-credentials apps (agents.models.OAuthClient).

django-oauth-toolkit registers admins of its own tables (applications, tokens, grants) that know no tenant: they
are taken off the site here. Operators make and revoke apps on this page, tenant-scoped like the API keys'."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from oauth2_provider import admin as oauth2_provider_admin  # registers DOT's admins on import: removed below
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from agents.admin_scoping import TenantScopedAdmin
from agents.models import Agent, OAuthClient
from agents.services import oauth_client_create, oauth_client_revoke

assert oauth2_provider_admin  # imported for its registrations, which the loop below undoes
for _model in (
    get_application_model(),
    get_access_token_model(),
    get_grant_model(),
    get_id_token_model(),
    get_refresh_token_model(),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

BOT_HELP = "Default sender of the app's bot actions (as an API key's bot)."


class OAuthClientAddForm(forms.ModelForm):
    class Meta:
        model = OAuthClient
        fields = ["account", "name"]


@admin.register(OAuthClient)
class OAuthClientAdmin(TenantScopedAdmin):
    """Adding an app shows its client id and secret once (the secret is stored hashed); the revoke action ends
    its tokens at once. The bot is chosen when the app is made: it is the app's key's bot."""

    list_display = ["name", "account", "client_id", "bot", "created_at", "revoked_at"]
    list_select_related = ["account", "application", "identity__bot"]
    search_fields = ["name", "application__client_id", "account__name"]
    autocomplete_fields = ["account"]
    actions = ["revoke"]
    account_path = "account"

    def has_delete_permission(self, request, obj=None):
        """Revoke instead: the row stays, tied to its audit entries, and its DOT application and key with it."""
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "name", "bot"]
        return ["account", "name", "client_id", "bot", "created_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["account", "client_id", "bot", "created_at", "revoked_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            bots = self.tenant_choices(request, Agent.objects.filter(is_bot=True).order_by("display_name"))

            class AddForm(OAuthClientAddForm):
                bot = forms.ModelChoiceField(queryset=bots, required=False, help_text=BOT_HELP)

            kwargs["form"] = AddForm
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, secret = oauth_client_create(
            account=obj.account, name=obj.name, bot=form.cleaned_data.get("bot"), actor=request.user
        )
        obj.pk = client.pk
        self.message_user(
            request,
            format_html(
                "The app's clientId is <code>{}</code> and its clientSecret is <code>{}</code>. Copy the secret "
                "now: it is never shown again.",
                client.client_id,
                secret,
            ),
            messages.WARNING,
        )

    @admin.display(description="client id")
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description="bot")
    def bot(self, obj):
        return obj.identity.bot

    @admin.display(description="revoked at")
    def revoked_at(self, obj):
        return obj.identity.revoked_at

    @admin.action(description="Revoke the selected apps (their tokens stop working)")
    def revoke(self, request, queryset):
        for client in queryset.select_related("account", "identity", "application"):
            oauth_client_revoke(client=client, actor=request.user)
        self.message_user(request, "Revoked.", messages.SUCCESS)
