"""The POST an admin change page would send as it stands: every field of its form and inlines with the values
shown (so that a test changes only what it means to change)."""

from __future__ import annotations

from django import forms

from agents.admin_fields import KeyValueField


def _value(form: forms.BaseForm, name: str):
    field = form.fields[name]
    value = form[name].value()
    if isinstance(field.widget, forms.CheckboxInput):
        return "on" if value else None
    if isinstance(field.widget, forms.MultiWidget):
        return None  # split widgets: sent per sub-field below
    value = field.prepare_value(value)
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return "" if value is None else str(value)


def _add(data: dict, form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        if isinstance(field, KeyValueField):  # rows: parallel lists of keys and values
            rows = field.prepare_value(form[name].value())
            data[f"{form.add_prefix(name)}-key"] = [key for key, _ in rows]
            data[f"{form.add_prefix(name)}-value"] = [value for _, value in rows]
            continue
        if isinstance(field.widget, forms.MultiWidget):
            values = field.widget.decompress(field.prepare_value(form[name].value()))
            for index, value in enumerate(values):
                data[f"{form.add_prefix(name)}_{index}"] = "" if value is None else str(value)
            continue
        value = _value(form, name)
        if value is not None:
            data[form.add_prefix(name)] = value


def change_form_data(response) -> dict:
    """The data of the admin page in `response` (a GET of an add or change page), ready to be changed and POSTed."""
    data: dict = {}
    _add(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add(data, formset.management_form)
        for form in formset.forms:
            _add(data, form)
    return data
