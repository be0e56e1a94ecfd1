"""Tenant scoping of the Django admin: a staff user sees and touches only the rows of the accounts they serve.

One mechanism for every admin page (issue #16): each admin declares, as one attribute, the lookup from its model
to the Account (`account_path = "conversation__account"`; `"pk"` on the Account itself), and the base classes here
apply it to

- the changelist, change, history and delete pages (`get_queryset`: another tenant's row "does not exist"), and
  through the target admin's `get_queryset` to the autocomplete endpoint and the raw-id popups;
- every ForeignKey / ManyToMany choice of the add and change forms and of their inlines: the target model's own
  admin says how to reach its account; a target that is not tenant-scoped offers nothing. A POSTed id of another
  tenant's row is therefore refused by the form ("Select a valid choice"), and a raw-id field shows no label for it;
- the related-field filters of the changelist (only the values present in the user's rows);
- object permissions and actions: reading needs a membership of the row's account; writing (change, delete, add,
  every action) needs the admin's `write_role` there (by default an account's ADMIN; a plain agent member reads).

Superusers are not restricted. A staff user without an Agent serves no account and sees nothing.

Which accounts a user serves comes from their Agent's Membership rows, read once per request.
This module is the tenant layer's: it imports Django and `agents.models` only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP

from agents.models import Account, Membership

_CACHE = "_tenant_account_ids"


def account_ids(request, role: str | None = None) -> frozenset[int] | None:
    """The ids of the accounts `request.user` serves (with `role`, if given); None for a superuser (all of them)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_superuser:
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cache = request.__dict__.setdefault(_CACHE, {})
    if role not in cache:
        memberships = Membership.objects.filter(agent__user=user)
        if role is not None:
            memberships = memberships.filter(role=role)
        cache[role] = frozenset(memberships.values_list("account_id", flat=True))
    return cache[role]


def _multivalued(model, path: str) -> bool:
    """Whether `path` crosses a to-many relation (then a plain filter would repeat rows)."""
    for name in path.split(LOOKUP_SEP):
        if name == "pk":
            return False
        field = model._meta.get_field(name)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def scope(queryset: QuerySet, account_path: str, accounts: frozenset[int] | None) -> QuerySet:
    """`queryset` limited to the rows whose account (reached through `account_path`) is one of `accounts`."""
    if accounts is None:
        return queryset
    lookup = {f"{account_path}{LOOKUP_SEP}in": sorted(accounts)}
    if _multivalued(queryset.model, account_path):
        return queryset.filter(pk__in=queryset.model._default_manager.filter(**lookup).values("pk"))
    return queryset.filter(**lookup)


class ScopedForeignKeyRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the chosen row only if it is one of the field's choices (a POSTed id of another
    tenant's row, shown again with the form's errors, must not print that row's name)."""

    def __init__(self, rel, admin_site, choices: QuerySet, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs=attrs, using=using)
        self.allowed = choices

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            allowed = self.allowed.filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            allowed = False
        return super().label_and_url_for_value(value) if allowed else ("", "")


class TenantScoping:
    """What model admins and inlines share: the scoped queryset and the scoped choices of their forms."""

    #: The lookup from this admin's model to its Account ("pk" for the Account itself). Required.
    account_path: str = ""
    #: The membership role that may add, change, delete and run actions; None: any member may.
    write_role: str | None = Membership.Role.ADMIN

    def check(self, **kwargs):
        """`manage.py check` fails on an admin whose `account_path` does not lead to the Account."""
        errors = super().check(**kwargs)
        model = self.model
        try:
            for name in self.account_path.split(LOOKUP_SEP) if self.account_path != "pk" else []:
                model = model._meta.get_field(name).related_model
        except (FieldDoesNotExist, AttributeError):
            model = None
        if not self.account_path or model is not Account:
            errors.append(
                checks.Error(
                    f"account_path {self.account_path!r} does not lead from {self.model._meta.label} to the Account.",
                    obj=type(self),
                    id="agents.E001",
                )
            )
        return errors

    def tenant_accounts(self, request, *, write: bool = False) -> frozenset[int] | None:
        return account_ids(request, self.write_role if write else None)

    def tenant_scope(self, request, queryset: QuerySet, *, write: bool = False) -> QuerySet:
        return scope(queryset, self.account_path, self.tenant_accounts(request, write=write))

    def may_write_somewhere(self, request) -> bool:
        accounts = self.tenant_accounts(request, write=True)
        return accounts is None or bool(accounts)

    def get_queryset(self, request):
        return self.tenant_scope(request, super().get_queryset(request))

    # --- form choices -----------------------------------------------------------------------------------

    def tenant_choices(self, request, queryset: QuerySet) -> QuerySet:
        """Rows of a related model that a form of this admin may offer: those of the accounts the user may write
        in, reached through the related model's own admin; nothing if that model is not tenant-scoped."""
        accounts = self.tenant_accounts(request, write=True)
        if accounts is None:
            return queryset
        target = self.admin_site._registry.get(queryset.model)
        if isinstance(target, TenantScoping):
            return scope(queryset, target.account_path, accounts)
        return queryset.none()

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return self.tenant_choices(request, queryset)

    def _scope_choices(self, db_field, request, kwargs: dict) -> None:
        """The field's choices (given, or the default) limited to the tenant's rows, in `kwargs["queryset"]`."""
        if "queryset" in kwargs:
            kwargs["queryset"] = self.tenant_choices(request, kwargs["queryset"].all())
        else:
            kwargs["queryset"] = self.get_field_queryset(kwargs.get("using"), db_field, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if account_ids(request) is not None:
            self._scope_choices(db_field, request, kwargs)
            if "widget" not in kwargs and db_field.name in self.raw_id_fields:
                kwargs["widget"] = ScopedForeignKeyRawIdWidget(
                    db_field.remote_field, self.admin_site, kwargs["queryset"], using=kwargs.get("using")
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if account_ids(request) is not None:
            self._scope_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class TenantScopedAdmin(TenantScoping, admin.ModelAdmin):
    """The base of every tenant model's admin. Declare `account_path`; override `writable_queryset`,
    `may_change` or `may_delete` for rules beyond "the user holds `write_role` in the row's account"."""

    # --- object permissions -----------------------------------------------------------------------------

    def writable_queryset(self, request, queryset: QuerySet) -> QuerySet:
        """The rows of `queryset` the user may change and run actions on."""
        return self.tenant_scope(request, queryset, write=True)

    def may_see(self, request, obj) -> bool:
        if account_ids(request) is None:
            return True
        return self.tenant_scope(request, self.model._default_manager.filter(pk=obj.pk)).exists()

    def may_change(self, request, obj) -> bool:
        if account_ids(request) is None:
            return True
        return self.writable_queryset(request, self.model._default_manager.filter(pk=obj.pk)).exists()

    def may_delete(self, request, obj) -> bool:
        return self.may_change(request, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (obj is None or self.may_see(request, obj))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self.may_write_somewhere(request)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return self.may_write_somewhere(request) if obj is None else self.may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return self.may_write_somewhere(request) if obj is None else self.may_delete(request, obj)

    # --- actions, inlines, filters ----------------------------------------------------------------------

    def response_action(self, request, queryset):
        """Every action runs on the selected rows the user may write only (and says so if some were left)."""
        writable = self.writable_queryset(request, queryset)
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if selected and account_ids(request) is not None:
            try:
                left = len(set(selected)) - writable.filter(pk__in=selected).count()
            except (ValueError, TypeError, ValidationError):
                left = 0
            if left > 0:
                self.message_user(
                    request,
                    f"{left} of the selected rows were left alone: only admins of their accounts may change them.",
                    messages.WARNING,
                )
        return super().response_action(request, writable)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """An inline lists the rows of the accounts the user may write in when the page is editable (so that a
        row of an account they only serve, or not at all, cannot be changed through a shared parent)."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, TenantScoping):
            editable = obj is None or obj.pk is None or self.has_change_permission(request, obj)
            kwargs["queryset"] = inline.tenant_scope(request, kwargs["queryset"], write=editable)
        return kwargs

    def get_list_filter(self, request):
        """A filter on a relation lists only the values present in the user's rows (not every account's name)."""
        filters = super().get_list_filter(request)
        if account_ids(request) is None:
            return filters
        return [self._scoped_filter(spec) for spec in filters]

    def _scoped_filter(self, spec):
        if not isinstance(spec, str):
            return spec
        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except (FieldDoesNotExist, NotRelationField):
            return spec
        return (spec, admin.RelatedOnlyFieldListFilter) if field.is_relation else spec


class TenantScopedInline(TenantScoping):
    """The base of every inline of a tenant admin (mix in before `admin.TabularInline` / `admin.StackedInline`).
    Its rows are scoped by its own `account_path`; it may be edited where its parent may."""

    def _parent_writable(self, request, obj) -> bool:
        if account_ids(request) is None:
            return True
        if obj is None or obj.pk is None:
            return self.may_write_somewhere(request)
        parent = self.admin_site._registry.get(self.parent_model)
        return isinstance(parent, TenantScopedAdmin) and parent.may_change(request, obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._parent_writable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._parent_writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._parent_writable(request, obj)


class ReadOnlyAdmin:
    """For records nobody edits by hand (the audit log, satisfaction ratings): listed and viewed, never added, changed
    or deleted in the admin. Mix in before `TenantScopedAdmin`."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserOnlyAdmin:
    """For admins of rows that belong to no tenant (permission groups, the task queue): superusers only."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)
