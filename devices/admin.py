from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from agents.admin_audit import AuditedAdmin
from agents.admin_fields import KeyValueField, LinesField
from agents.admin_scoping import TenantScopedAdmin, TenantScopedInline
from agents.services import audit_record
from conversations.customer_export import customer_export
from conversations.services.erasure import customer_erase
from devices.models import Customer, Device
from messenger_project.errors import ServiceError


class DeviceInline(TenantScopedInline, admin.TabularInline):
    model = Device
    account_path = "account"
    extra = 0
    fields = ["device_id", "device_type", "sdk_version", "push_type", "push_enabled", "last_seen_at"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin, TenantScopedAdmin):
    """Customers, with the data-protection tools (#22): "Export data" downloads the ZIP of everything held about
    one customer; "Erase" asks for a confirmation, then erases (`conversations.services.erasure`). Both need the
    `write_role` in the customer's account, and are audited."""

    account_path = "account"
    ordering = ["-pk"]  # as the changelist orders; the autocomplete pages need an order too
    # Fits 1280 px beside the admin's menu and the filters: the name, how to reach them, the account, the date
    # (registered or not is a filter).
    list_display = ["__str__", "email", "phone", "account", "created"]
    list_display_links = ["__str__"]
    list_select_related = ["account"]
    list_filter = ["registered", "account", "created_at"]
    list_per_page = 50
    search_fields = ["name", "first_name", "last_name", "email", "phone", "fk_id", "=uuid"]
    search_help_text = "Name, email, phone, fkId or the exact id (UUID)."
    date_hierarchy = "created_at"
    readonly_fields = ["uuid", "number", "merged_into", "current_conversation", "created_at", "updated_at"]
    autocomplete_fields = ["account"]
    inlines = [DeviceInline]
    actions = ["export_data", "erase_selected"]
    change_form_template = "devices/admin/customer_change_form.html"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The list and dict fields as lines and key/value rows, never raw JSON (`[]`, `{}`)."""
        if db_field.name == "extra_emails":
            return LinesField(label="Other emails", help_text="One per line.", item_check=validate_email)
        if db_field.name == "extra_phones":
            return LinesField(label="Other phones", help_text="One per line.")
        if db_field.name == "custom_data":
            return KeyValueField(label="Custom data", help_text="Keys and values the company's app set.")
        if db_field.name == "profile":
            return KeyValueField(label="Profile", help_text="jobTitle, organization, gender, …")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def audit(self, request, *, action: str, obj, account, changes, parent=None) -> None:
        """Named by id as the desk's and the API's edits are ("customer <uuid>"), never by name or email: an erasure
        then finds and blanks the entry's values (`agents.services.audit_changes_erase`)."""
        customer = parent if isinstance(parent, Customer) else obj  # a device row of the page: its customer's entry
        audit_record(
            actor=request.user, action=action, account=account, target=f"customer {customer.uuid}", changes=changes
        )

    @admin.display(description="created", ordering="created_at")
    def created(self, customer: Customer) -> str:
        return date_format(timezone.localtime(customer.created_at), "SHORT_DATE_FORMAT")

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/export/",
                self.admin_site.admin_view(self.export_view),
                name="devices_customer_export",
            ),
            path(
                "<path:object_id>/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="devices_customer_erase",
            ),
        ]
        return own + super().get_urls()

    # --- the two tools --------------------------------------------------------------------------------------

    def _writable(self, request, object_id: str) -> Customer:
        """The customer, if the user may change it: another tenant's (or an unknown one) does not exist."""
        try:
            customer = self.get_queryset(request).filter(pk=object_id).first()
        except (ValueError, ValidationError):
            customer = None
        if customer is None:
            raise Http404("No such customer.")
        if not self.has_change_permission(request, customer):
            raise PermissionDenied
        return customer

    def _export_response(self, request, customer: Customer) -> FileResponse | HttpResponseRedirect:
        try:
            archive = customer_export(customer=customer, actor=request.user, by="admin")
        except ServiceError:  # the media storage cannot be read: no export with files left out
            self.message_user(
                request, "The file storage could not be read: nothing was exported. Try again later.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:devices_customer_change", args=[customer.pk]))
        return FileResponse(
            archive,
            as_attachment=True,
            filename=f"customer-{customer.number}-export.zip",
            content_type="application/zip",
        )

    def export_view(self, request, object_id: str):
        return self._export_response(request, self._writable(request, object_id))

    def erase_view(self, request, object_id: str):
        customer = self._writable(request, object_id)
        if request.method == "POST":
            customer_erase(customer=customer, actor=request.user, by="admin")
            self.message_user(request, f"Customer {customer.uuid} was erased.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:devices_customer_change", args=[customer.pk]))
        return self._erase_confirmation(request, [customer], single=True)

    def _erase_confirmation(self, request, customers: list[Customer], *, single: bool) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase customer" if single else "Erase customers",
            "opts": self.model._meta,
            "customers": customers,
            "single": single,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "devices/admin/customer_erase_confirm.html", context)

    @admin.action(description="Export data of the selected customer (ZIP)")
    def export_data(self, request, queryset):
        customers = list(queryset[:2])
        if len(customers) != 1:
            self.message_user(request, "Select exactly one customer to export.", messages.WARNING)
            return None
        return self._export_response(request, customers[0])

    @admin.action(description="Erase the selected customers…")
    def erase_selected(self, request, queryset):
        """The confirmation page first; its POST (with `confirm`) erases, each customer in its own transaction."""
        customers = list(queryset.order_by("pk"))
        if request.POST.get("confirm") != "yes":
            return self._erase_confirmation(request, customers, single=False)
        for customer in customers:
            customer_erase(customer=customer, actor=request.user, by="admin")
        self.message_user(request, f"Erased {len(customers)} customers.", messages.SUCCESS)
        return None

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["privacy_tools"] = obj is not None and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


@admin.register(Device)
class DeviceAdmin(TenantScopedAdmin):
    account_path = "account"
    list_display = ["device_id", "customer", "account", "device_type", "push_type", "last_seen_at"]
    list_select_related = ["customer", "account"]
    list_filter = ["device_type", "push_type"]
    search_fields = ["device_id", "customer__name", "customer__email"]
    autocomplete_fields = ["account", "customer"]
