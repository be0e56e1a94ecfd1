"""The admin of the routing rows (#20): an account's teams, with their members and assignment mode; and the
Account page's routing, business-hours and satisfaction parts (its form, fieldsets and inlines)."""

import zoneinfo

from django import forms
from django.contrib import admin
from django.db.models import Count

from agents.admin_scoping import TenantScopedAdmin, TenantScopedInline
from agents.models import Account, Holiday, OpeningHours, Team


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


# --- the account's routing, business hours and satisfaction (inlines and form of the Account page) ------------


class OpeningHoursInline(TenantScopedInline, admin.TabularInline):
    """The weekly opening periods, in the account's time zone (several per day allowed)."""

    model = OpeningHours
    account_path = "account"
    fields = ["weekday", "opens", "closes"]
    extra = 0


class HolidayInline(TenantScopedInline, admin.TabularInline):
    """Days closed all day, whatever the weekly hours say."""

    model = Holiday
    account_path = "account"
    fields = ["date", "name"]
    extra = 0


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class AccountRoutingForm(forms.ModelForm):
    """The Account page's form: the time zone chosen from the known zones, a first-line bot of this account only."""

    time_zone = forms.TypedChoiceField(
        choices=_time_zone_choices, initial="UTC", help_text=Account._meta.get_field("time_zone").help_text
    )

    class Meta:
        model = Account
        fields = ["time_zone", "bot_first"]  # the admin's fieldsets add the others
        labels = {"csat_question": "Question", "business_hours_enabled": "Use business hours"}
        help_texts = {
            "offline_message": "Shown as the sticky message outside the business hours (empty: a default text).",
            "bot_first": "New conversations go to this bot of the account first; it hands over to a team through "
            "the integration API.",
        }

    def clean(self):
        cleaned = super().clean()
        bot = cleaned.get("bot_first")
        serves = bot is not None and bot.memberships.filter(account_id=self.instance.pk).exists()
        if bot is not None and self.instance.pk is not None and not (bot.is_bot and serves):
            self.add_error("bot_first", f"{bot} is not a bot of this account.")
        return cleaned


# The Account page's fieldsets of #20 (appended to AccountAdmin.fieldsets; the business hours last, right above
# their inlines).
ACCOUNT_FIELDSETS = [
    (
        "Routing",
        {
            "fields": ["auto_assignment", "assignment_capacity", "bot_first"],
            "description": "How new conversations not routed to a team reach an agent. Each agent's own capacity "
            "and role are on the agent's page (memberships).",
        },
    ),
    ("Satisfaction", {"fields": ["csat_enabled", "csat_question"]}),
    (
        "Business hours",
        {
            "fields": ["time_zone", "business_hours_enabled", "offline_message"],
            "description": "The weekly opening hours and the holidays are below. Outside them the chat shows the "
            "offline message, offers the visitor to leave an email address, and auto-assignment waits for opening "
            "time.",
        },
    ),
]
