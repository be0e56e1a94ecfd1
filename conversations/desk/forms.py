from django import forms


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
