from __future__ import annotations

from django import forms

from devices.models import Customer
from devices.normalize import InvalidIdentifier, email_normalize, phone_normalize


class ReplyForm(forms.Form):
    text = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}), label="Reply")
    image = forms.FileField(required=False, label="Attach an image")

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("image"):
            raise forms.ValidationError("Write a message or attach an image.")
        return data


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("close", "reopen", "spam", "assign")])
    assignee = forms.CharField(required=False)  # an agent id, "me", or empty to unassign


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

    name = forms.CharField(required=False, max_length=200)
    email = forms.CharField(required=False, max_length=254, label="Email")
    phone = forms.CharField(required=False, max_length=64, strip=False, help_text="E.164, such as +31201234567")
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

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
