from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices.models import Customer
from devices.normalize import InvalidIdentifier, email_normalize, phone_normalize


class ReplyForm(forms.Form):
    text = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}), label="Reply")
    image = forms.FileField(required=False, label="Attach an image")
    private = forms.BooleanField(required=False)  # a private note for agents, not a reply

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("image"):
            raise forms.ValidationError("Write a message or attach an image.")
        return data


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("close", "reopen", "spam", "assign", "snooze", "wake")])
    assignee = forms.CharField(required=False)  # an agent id, "me", or empty to unassign
    # Snooze until: a preset (SNOOZE_PRESETS), "customer" (until they write), or a local date and time.
    until = forms.CharField(required=False, max_length=40)
    tz = forms.CharField(required=False, max_length=64)  # the agent's browser's time zone, for `until`


class LabelForm(forms.Form):
    add = forms.CharField(required=False, max_length=100)
    remove = forms.CharField(required=False, max_length=100)


def _identifier(normalize, value: str, *, what: str) -> str:
    """Blank clears; anything else is normalised as the integration API does (devices/normalize.py)."""
    if not value.strip():
        return ""
    try:
        return normalize(value)
    except InvalidIdentifier as exc:
        raise forms.ValidationError(f"This {what} {exc}.", code=exc.code) from None


def _with_primary(value: str, extra: list[str]) -> list[str]:
    """The customer's addresses (or phones) once `value` is the primary one (blank: the first extra one is)."""
    rest = [v for v in extra if v.lower() != value.lower()]
    return [value, *rest] if value else rest


class CustomerEditForm(forms.Form):
    """The desk's edit of a customer (its panel): name, primary email and phone, the agents' note."""

    name = forms.CharField(required=False, max_length=200, label=gettext_lazy("Name"))
    email = forms.CharField(required=False, max_length=254, label=gettext_lazy("Email"))
    phone = forms.CharField(
        required=False,
        max_length=64,
        strip=False,
        label=gettext_lazy("Phone"),
        help_text=gettext_lazy("E.164, such as +31201234567"),
    )
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Note")
    )

    def __init__(self, data=None, *, customer: Customer, **kwargs):
        kwargs.setdefault("prefix", f"customer-{customer.pk}")  # a panel may hold several customers' forms
        kwargs.setdefault(
            "initial", {"name": customer.name, "email": customer.email, "phone": customer.phone, "note": customer.note}
        )
        super().__init__(data, **kwargs)
        self.customer = customer

    def clean_email(self) -> str:
        return _identifier(email_normalize, self.cleaned_data["email"], what="email")

    def clean_phone(self) -> str:
        return _identifier(phone_normalize, self.cleaned_data["phone"], what="phone number")

    def changes(self) -> dict:
        """The merge-patch of `customer_update`: emails and phones only when the primary one changes."""
        data, customer = self.cleaned_data, self.customer
        changes = {"name": data["name"], "note": data["note"]}
        if data["email"] != customer.email:
            changes["emails"] = _with_primary(data["email"], customer.extra_emails)
        if data["phone"] != customer.phone:
            changes["phones"] = _with_primary(data["phone"], customer.extra_phones)
        return changes


class PreferencesForm(forms.Form):
    notify_browser = forms.BooleanField(required=False)
    notify_sound = forms.BooleanField(required=False)


# The snooze menu's choices; any other value is a local date and time ("2026-12-07T09:00", datetime-local).
SNOOZE_PRESETS = ("1h", "4h", "tomorrow", "next_week", "customer")
MORNING = time(9, 0)


def agent_time_zone(name: str) -> tzinfo:
    """The agent's browser's time zone (an IANA name the desk's page sends), else the server's."""
    try:
        return ZoneInfo(name) if name else timezone.get_current_timezone()
    except (ValueError, ZoneInfoNotFoundError):
        return timezone.get_current_timezone()


def snooze_until(value: str, *, now: datetime | None = None, zone: tzinfo | None = None) -> datetime | None:
    """When a snooze chosen in the desk ends, in the agent's time zone (`zone`; the server's without): an hour or
    four from now, tomorrow at 9, next Monday at 9, a date and time picked (in the future), or None: until the
    customer writes."""
    zone = zone or timezone.get_current_timezone()
    now = timezone.localtime(now, zone)
    if value == "customer":
        return None
    if value in ("1h", "4h"):
        return timezone.localtime(now.astimezone(UTC) + timedelta(hours=int(value[0])), zone)  # elapsed hours
    if value == "tomorrow":
        return timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), MORNING), zone)
    if value == "next_week":
        return timezone.make_aware(datetime.combine(now.date() + timedelta(days=7 - now.weekday()), MORNING), zone)
    picked = parse_datetime(value or "")
    if picked is None:
        raise forms.ValidationError(_("Choose when the conversation wakes."))
    if timezone.is_naive(picked):
        picked = timezone.make_aware(picked, zone)
    if picked <= now:
        raise forms.ValidationError(_("Choose a time in the future."))
    return picked


class CannedReplyForm(forms.Form):
    """A canned reply as the desk edits it; the service (canned_reply_save) judges shortcut and text."""

    account = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Account"))
    shortcut = forms.CharField(
        max_length=40, label=gettext_lazy("Shortcut"), help_text=gettext_lazy("Letters, digits, - and _.")
    )
    title = forms.CharField(max_length=100, required=False, label=gettext_lazy("Title"))
    text = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Text"),
        help_text=gettext_lazy(
            "Placeholders: {{customer.name}}, {{customer.first_name}}, {{customer.email}}, {{agent.name}}"
        ),
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(account.pk, account.name) for account in accounts]
