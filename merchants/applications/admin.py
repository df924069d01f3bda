import datetime as dt

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import (
    AutocompleteFilter,
    HistoryAdmin,
    LargeListAdmin,
    ReasonForm,
    SingletonPolicyAdmin,
    form_action,
)
from merchants.admin_format import local_time, money_column, time_column
from merchants.exports import ExportAdminMixin

from . import admin_facts as facts
from .exports import CREDIT_APPLICATIONS
from .models import CreditApplication, CreditApplicationPolicy, Holiday
from .selectors import activation_volume
from .services import application_approve, application_reject


class OverdueFilter(admin.SimpleListFilter):
    """Pending applications past their review deadline (derived from due_at, no job)."""

    title = _("review deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue now")), ("due_24h", _("due within 24 hours"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = queryset.filter(status=CreditApplication.Status.PENDING)
        if self.value() == "overdue":
            return pending.filter(due_at__lte=now)
        if self.value() == "due_24h":
            return pending.filter(due_at__gt=now, due_at__lte=now + dt.timedelta(hours=24))
        return queryset


class ApproveForm(forms.Form):
    granted_limit = forms.DecimalField(label=_("granted limit"), max_digits=12, decimal_places=2, min_value=0.01,
                                       required=False,
                                       help_text=_("Leave empty to grant each application's suggested limit."))
    note = forms.CharField(label=_("note"), required=False, max_length=500)


@admin.register(CreditApplication)
class CreditApplicationAdmin(LargeListAdmin, ExportAdminMixin, HistoryAdmin):
    export = CREDIT_APPLICATIONS
    list_display = ["id", "store", "status", "requested", "recommendation", "suggested", "submitted", "due",
                    "granted"]
    list_filter = [("store", AutocompleteFilter), "submitted_at", "status", OverdueFilter, "recommendation"]
    search_fields = ["store__name", "=id"]
    list_select_related = ["store"]
    ordering = ["status", "due_at"]
    fields = ["store", "status", "requested_limit_shown", "licence", "legal_rep_id", "bank", "operating_data_table",
              "submitted_at", "due", "effective_limit_at_submission_shown", "recommendation", "suggested_limit_shown",
              "assessment_notes", "decided_at", "decided_by", "granted_limit_shown", "reject_reason",
              "effective_limit_at_approval_shown", "activation", "step1_at", "step2_at"]
    readonly_fields = fields
    # money reads as ¥134,100.00 on the page too, not only in the list
    requested_limit_shown = money_column("requested_limit", _("requested limit"))
    effective_limit_at_submission_shown = money_column("effective_limit_at_submission",
                                                       _("effective limit at submission"))
    suggested_limit_shown = money_column("suggested_limit", _("suggested limit"))
    granted_limit_shown = money_column("granted_limit", _("granted limit"))
    effective_limit_at_approval_shown = money_column("effective_limit_at_approval", _("effective limit at approval"))
    actions = ["approve", "reject"]

    change_form_template = "admin/merchants/creditapplication/change_form.html"

    def has_add_permission(self, request):
        return False  # merchants apply through the API

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The page of one application offers its decisions (each opens the confirmation page)."""
        pending = self.model.objects.filter(pk=object_id, status=CreditApplication.Status.PENDING).exists()
        return super().change_view(request, object_id, form_url, {
            **(extra_context or {}), "can_decide": pending and self.has_change_permission(request),
            "decisions": [("approve", _("Approve…")), ("reject", _("Reject…"))]})

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # actions only

    requested = money_column("requested_limit", _("requested limit"))
    suggested = money_column("suggested_limit", _("suggested limit"))
    granted = money_column("granted_limit", _("granted limit"))
    submitted = time_column("submitted_at", _("submitted at"))

    @admin.display(description=_("business licence"))
    def licence(self, obj):
        return obj.business_license_masked

    @admin.display(description=_("legal representative ID"))
    def legal_rep_id(self, obj):
        return obj.legal_rep_id_masked

    @admin.display(description=_("bank account"))
    def bank(self, obj):
        return obj.bank_account_masked

    @admin.display(description=_("review due"), ordering="due_at")
    def due(self, obj):
        text = local_time(obj.due_at)
        if obj.status == CreditApplication.Status.PENDING and obj.due_at <= timezone.now():
            return format_html('<strong style="color:#fff;background:#b00;padding:0 4px">{} {}</strong>',
                               _("OVERDUE"), text)
        return text

    @admin.display(description=_("last 3 months"))
    def operating_data_table(self, obj):
        return facts.operating_data_table(obj)

    @admin.display(description=_("activation"))
    def activation(self, obj):
        if obj.status != CreditApplication.Status.APPROVED:
            return "—"
        policy = CreditApplicationPolicy.current()
        return format_html("{}: {} · {}: {} / {} / {}", _("increase"), f"{obj.increase:.2f}",
                           _("pay-later volume since approval"), f"{activation_volume(obj):.2f}",
                           f"{obj.increase * policy.activation_step1_rate:.2f}",
                           f"{obj.increase * policy.activation_step2_rate:.2f}")

    @admin.action(description=_("Approve (granted limit)…"), permissions=["change"])
    def approve(self, request, queryset):
        return form_action(self, request, queryset.select_related("store"), form_class=ApproveForm,
                           title=_("Approve applications"), submit_label=_("Approve"), facts=facts.decision_facts,
                           effect=facts.approved_effect,
                           apply=lambda a, d: application_approve(
                               application_id=a.pk, granted_limit=d["granted_limit"] or a.suggested_limit,
                               note=d["note"], user=request.user))

    @admin.action(description=_("Reject (reason)…"), permissions=["change"])
    def reject(self, request, queryset):
        return form_action(self, request, queryset.select_related("store"), form_class=ReasonForm,
                           title=_("Reject applications"), submit_label=_("Reject"), facts=facts.decision_facts,
                           effect=facts.rejected_effect,
                           apply=lambda a, d: application_reject(application_id=a.pk, reason=d["reason"],
                                                                 user=request.user))


@admin.register(CreditApplicationPolicy)
class CreditApplicationPolicyAdmin(SingletonPolicyAdmin):
    pass


@admin.register(Holiday)
class HolidayAdmin(HistoryAdmin):
    list_display = ["date", "name", "working_day"]
    list_filter = ["working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"
