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
