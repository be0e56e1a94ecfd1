"""The admin of the routing rows (#20): an account's teams, with their members and assignment mode."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from agents.admin_scoping import TenantScopedAdmin
from agents.models import Team


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["account", "name", "members", "auto_assignment"]

    def clean(self):
        cleaned = super().clean()
        account, members = cleaned.get("account"), cleaned.get("members")
        if account is not None and members:
            outsiders = [agent for agent in members if not agent.memberships.filter(account=account).exists()]
            if outsiders:
                names = ", ".join(str(agent) for agent in outsiders)
                self.add_error("members", f"Not agents of {account}: {names}.")
        return cleaned


@admin.register(Team)
class TeamAdmin(TenantScopedAdmin):
    form = TeamForm
    list_display = ["name", "account", "auto_assignment", "member_count"]
    list_filter = ["auto_assignment", "account"]
    list_select_related = ["account"]
    search_fields = ["name", "account__name"]
    autocomplete_fields = ["account"]
    filter_horizontal = ["members"]
    ordering = ["account__name", "name"]
    account_path = "account"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members", distinct=True))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, team: Team) -> int:
        return team.member_total
