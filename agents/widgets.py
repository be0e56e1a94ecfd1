"""Admin form widgets."""

from django import forms


class HexColourInput(forms.TextInput):
    """The stored 6-hex-digit text field with a colour picker beside it (kept in step by admin_preview.js).

    The text stays the value that is saved and validated, so a bad value typed by hand gets the field error.
    """

    template_name = "agents/widgets/hex_colour.html"

    def __init__(self, attrs=None, *, label: str = ""):
        super().__init__({"size": 8, "maxlength": 6, "pattern": "[0-9a-fA-F]{6}", **(attrs or {})})
        self.label = label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["picker_label"] = self.label or name
        return context


class KeyValueWidget(forms.Widget):
    """Key/value rows (the stored ones and three blank ones); the value is a list of (key, value) pairs."""

    template_name = "agents/widgets/key_value.html"
    BLANK_ROWS = 3

    class Media:
        css = {"all": ["agents/admin_forms.css"]}

    def format_value(self, value):
        return list(value or [])

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [(key, item) for key, item in (value or [])]
        context["widget"]["rows"] = [*rows, *[("", "")] * self.BLANK_ROWS]
        return context

    def value_from_datadict(self, data, files, name):
        if not hasattr(data, "getlist"):
            return list(data.get(name) or [])
        keys, values = data.getlist(f"{name}-key"), data.getlist(f"{name}-value")
        return list(zip(keys, values, strict=False))

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-key" not in data
