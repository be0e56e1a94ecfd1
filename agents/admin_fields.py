"""Admin form fields for the list, dict and secret model fields, so that no form shows raw JSON (`[]`, `null`):

- `LinesField`: a list of strings as a textarea, one per line (allowed origins);
- `KeyValueField`: a dict of strings as key/value rows (custom fields);
- `SecretTextField` with `SecretFileField`: a secret (a JSON key, a PEM key) pasted OR uploaded, never shown back;
  left blank it stays as it is (`secret_value`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError

from agents.widgets import KeyValueWidget


class LinesField(forms.Field):
    """A list of strings, edited as one per line; blank lines and repeats are dropped, each line checked by
    `item_check` (a function raising ValidationError)."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60, "spellcheck": "false"})

    def __init__(self, *, item_check: Callable[[str], None] | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.item_check = item_check

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                loaded = json.loads(value)  # the model's JSON text, as a bound form re-renders it
            except ValueError:
                return value
            return "\n".join(str(item) for item in loaded) if isinstance(loaded, list) else value
        return str(value)

    def to_python(self, value):
        if isinstance(value, (list, tuple)):
            return [str(item) for item in value]
        lines = [line.strip() for line in str(value or "").splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def validate(self, value):
        super().validate(value)
        if self.item_check is None:
            return
        problems = []
        for item in value:
            try:
                self.item_check(item)
            except ValidationError as error:
                problems.extend(f"{item}: {message}" for message in error.messages)
        if problems:
            raise ValidationError(problems)

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


def web_origin_check(origin: str) -> None:
    """A web origin as browsers send it: scheme and host (and port), no path."""
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise ValidationError("not a valid origin") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("write an origin as https://example.com (scheme and host)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError("an origin has no path, query or user: only https://host[:port]")


class KeyValueField(forms.Field):
    """A dict of string keys and values, edited as rows (a blank key drops its row; a repeated key is an error)."""

    widget = KeyValueWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return []
        if isinstance(value, dict):
            return [(str(key), item if isinstance(item, str) else json.dumps(item)) for key, item in value.items()]
        if isinstance(value, list):
            return value
        return []

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        result: dict[str, str] = {}
        for key, item in value or []:
            key = (key or "").strip()
            if not key:
                continue
            if key in result:
                raise ValidationError(f"The key “{key}” is there twice.")
            result[key] = item or ""
        return result

    def has_changed(self, initial, data):
        try:
            return self.to_python(self.prepare_value(initial)) != self.to_python(data)
        except ValidationError:
            return True


class SecretTextField(forms.CharField):
    """A secret pasted as text: the box is empty on every page (the stored value is never sent to the browser);
    left blank, the stored value stays."""

    def __init__(self, *, rows: int = 4, placeholder: str = "", **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", True)
        attrs = {"rows": rows, "cols": 60, "spellcheck": "false", "autocomplete": "off"}
        if placeholder:
            attrs["placeholder"] = placeholder
        super().__init__(widget=forms.Textarea(attrs=attrs), **kwargs)

    def prepare_value(self, value):
        return ""  # never shown back

    def has_changed(self, initial, data):
        return bool((data or "").strip())


class SecretFileField(forms.FileField):
    """The same secret uploaded as a file (read as UTF-8 text, at most 64 KiB)."""

    MAX_BYTES = 64 * 1024

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return ""
        if upload.size > self.MAX_BYTES:
            raise ValidationError("This file is too large for a key (at most 64 KiB).")
        try:
            return upload.read().decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ValidationError("This file is not text: upload the key file as it was downloaded.") from None


def secret_value(form: forms.BaseForm, name: str, parse: Callable[[str], object]):
    """The new value of the secret model field `name` (from its pasted text, or its `<name>_file` upload, or
    `None`/"" with its `<name>_clear` box), or the stored one when all are blank. `parse` turns the text into the
    stored value (raising ValidationError, shown on the field)."""
    data = form.cleaned_data
    text = data.get(f"{name}_file") or data.get(name) or ""
    if text:
        return parse(text)
    stored = getattr(form.instance, name)
    if data.get(f"{name}_clear"):
        return None if stored is None or isinstance(stored, dict) else ""
    return stored
