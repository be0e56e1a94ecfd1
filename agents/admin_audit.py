"""The admin's side of the audit log: every change made through an audited admin page (and its inlines) is recorded
with what changed (`agents.audit_changes`), and the log itself is listed readably (field: old → new)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from agents.admin_display import short_time
from agents.admin_scoping import ReadOnlyAdmin, TenantScopedAdmin
from agents.audit_changes import Changes, changes_between, describe, snapshot
from agents.models import Account, AuditEntry
from agents.services import audit_record


def _stored(instance):
    """The row as stored now (before the form's values are saved), or None for a new row."""
    if instance is None or instance.pk is None:
        return None
    return type(instance)._default_manager.filter(pk=instance.pk).first()


def _form_values(form, instance) -> dict:
    """The values the form saved: its instance's fields, and the chosen rows of its many-to-many fields."""
    values = snapshot(instance, form.changed_data)
    for name in form.changed_data:
        field = _model_field(instance, name)
        if field is not None and field.many_to_many:
            values[name] = list(form.cleaned_data.get(name) or [])
    return values


def _model_field(instance, name):
    try:
        return instance._meta.get_field(name)
    except Exception:  # noqa: BLE001  (a form-only field)
        return None


class AuditedAdmin:
    """Mix in before the admin's base: a change (the object's form and its inlines' rows) is recorded in the audit
    log with `{field: [old, new]}`, secrets as "changed". Additions keep their own service's entry (each admin's
    `save_model` for new rows calls the service that audits it)."""

    def audit_account(self, request, obj) -> Account | None:
        """The account an entry about `obj` belongs to (whose admins see it)."""
        account = getattr(obj, "account", None)
        return account if isinstance(account, Account) else None

    def audit(self, request, *, action: str, obj, account: Account | None, changes: Changes, parent=None) -> None:
        """`obj` is the row (or a deleted inline row's name); `parent` the page's object when `obj` is an inline's."""
        audit_record(actor=request.user, action=action, account=account, target=str(obj)[:200], changes=changes)

    def save_model(self, request, obj, form, change):
        before = snapshot(_stored(obj), form.changed_data) if change else None
        super().save_model(request, obj, form, change)
        if change:
            changes = changes_between(before, _form_values(form, obj))
            if changes:
                name = obj._meta.verbose_name
                self.audit(
                    request, action=f"change {name}", obj=obj, account=self.audit_account(request, obj), changes=changes
                )

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        pending = []
        for row in formset.forms:
            instance = row.instance
            if formset.can_delete and formset._should_delete_form(row):
                if instance.pk is not None:
                    pending.append(("delete", row, str(instance), snapshot(instance, []), None))
                continue
            if not row.has_changed():
                continue
            stored = _stored(instance)
            pending.append(("change" if stored else "add", row, "", snapshot(stored, row.changed_data), stored))
        super().save_formset(request, form, formset, change)
        for verb, row, label, before, _ in pending:
            instance = row.instance
            changes = {} if verb == "delete" else changes_between(before, _form_values(row, instance))
            if verb == "change" and not changes:
                continue
            account = self.audit_account(request, instance) or self.audit_account(request, parent)
            self.audit(
                request,
                action=f"{verb} {instance._meta.verbose_name}",
                obj=label or instance,
                account=account,
                changes=changes,
                parent=parent,
            )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin, TenantScopedAdmin):
    """Read-only. Entries of no account (if any) are the superusers'."""

    list_display = ["when", "actor", "account", "action", "target_shown", "changes_summary"]

    class Media:
        css = {"all": ["agents/admin_forms.css"]}

    account_path = "account"
    list_select_related = ["actor", "account"]
    list_filter = ["account", "action", "created_at"]
    search_fields = ["action", "target", "actor__username", "account__name"]
    date_hierarchy = "created_at"
    fields = ["created_at", "actor", "account", "action", "target", "changes_shown"]
    readonly_fields = fields

    @admin.display(description="When", ordering="created_at")
    def when(self, entry: AuditEntry):
        return short_time(entry.created_at)

    @admin.display(description="Changes")
    def changes_summary(self, entry: AuditEntry):
        """The first three changes, each cut to a line (the entry's page shows them whole)."""
        lines = describe(entry.changes or {})
        if not lines:
            return "—"
        shown = format_html_join(
            "", '<div class="audit-change"><b>{}</b>: {}</div>', ((name, _short(text, 70)) for name, text in lines[:3])
        )
        more = len(lines) - 3
        return format_html("{}{}", shown, f"… and {more} more" if more > 0 else "")

    @admin.display(description="Target", ordering="target")
    def target_shown(self, entry: AuditEntry):
        return format_html('<span class="wrap-anywhere">{}</span>', _short(entry.target, 60))

    @admin.display(description="Changes")
    def changes_shown(self, entry: AuditEntry):
        lines = describe(entry.changes or {})
        if not lines:
            return "—"
        rows = format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td></tr>", lines)
        return format_html('<table class="audit-changes"><tbody>{}</tbody></table>', rows)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
