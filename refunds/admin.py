"""Operators' screens: refund cases (filters, negotiation clock, history, judgement), the refund
policy, stores' automation rules, and the stores' refund KPIs. Every change goes through the
services, so the history names the operator."""
import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config import timeutil
from merchants.admin_base import (
    AutocompleteFilter,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    SingletonPolicyAdmin,
    form_action,
)
from merchants.admin_format import duration, money_column, percent, time_column, yuan
from merchants.exports import ExportAdminMixin

from . import admin_evidence, selectors, services
from . import admin_facts as judge_facts
from .admin_stages import ReturnStagesAdminMixin
from .exports import REFUND_CASES, STORE_REFUND_KPIS
from .models import Negotiation, RefundCase, RefundPolicy, RefundRules, StoreRefundKpi, return_address_missing_q
from .selectors import due_soon_q
from .services import Actor

S = RefundCase.Status


def _time_left(deadline, now):
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return format_html('<span style="color:#b00">{}</span>', _("overdue"))
    return _("%(duration)s left") % {"duration": duration(Decimal(seconds) / 3600)}


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.case_overdue_q(timezone.now()))
        if self.value() == "no":
            return queryset.exclude(selectors.case_overdue_q(timezone.now()))
        return queryset


class WaitingForReturnAddressFilter(admin.SimpleListFilter):
    """The operators' worklist links here (`?return_address=missing`)."""

    title = _("return address")
    parameter_name = "return_address"

    def lookups(self, request, model_admin):
        return [("missing", _("waiting for a return address"))]

    def queryset(self, request, queryset):
        if self.value() == "missing":
            return queryset.filter(return_address_missing_q())
        return queryset


class DueSoonFilter(admin.SimpleListFilter):
    title = _("merchant decision due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("6h", _("within 6 hours"))]

    def queryset(self, request, queryset):
        if self.value() == "6h":
            return queryset.filter(due_soon_q(timezone.now()))
        return queryset


class HasNegotiationFilter(admin.SimpleListFilter):
    title = _("negotiation")
    parameter_name = "negotiation"

    def lookups(self, request, model_admin):
        return [("none", _("none")), *Negotiation.Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(negotiation__isnull=True)
        if self.value() in Negotiation.Status.values:
            return queryset.filter(negotiation__status=self.value())
        return queryset


class JudgeForm(forms.Form):
    note = forms.CharField(label=_("note (kept in the case history)"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NegotiationInline(admin.StackedInline):
    model = Negotiation
    fields = ["type", "amount", "return_address", "status", "proposed_at", "proposed_by", "expires_at", "clock",
              "closed_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("negotiation (one per case)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("answer clock"))
    def clock(self, obj):
        if obj.status != Negotiation.Status.OPEN:
            return obj.get_status_display()
        return _time_left(obj.expires_at, timezone.now())


@admin.register(RefundCase)
class RefundCaseAdmin(LargeListAdmin, ExportAdminMixin, HistoryAdmin):
    export = REFUND_CASES
    list_display = ["id", "store", "type", "reason", "amount_shown", "status", "deadline", "clock",
                    "negotiation_state", "judgement"]
    amount_shown = money_column("amount", _("amount"))
    opened = time_column("opened_at", _("opened at"))
    deadline = time_column("merchant_deadline", _("merchant decision deadline"))
    list_filter = [("store", AutocompleteFilter), "opened_at", "status", "type", "reason", DueSoonFilter, OverdueFilter,
                   WaitingForReturnAddressFilter, HasNegotiationFilter, "judgement"]
    list_select_related = ["store", "negotiation"]
    search_fields = ["=id", "=order__id", "buyer_id__exact", "store__name"]
    inlines = [NegotiationInline, admin_evidence.ContestInline, admin_evidence.EvidenceInline]
    actions = ["judge_seller_responsible", "judge_buyer_responsible"]
    fieldsets = [
        (None, {"fields": ["store", "order", "buyer_id", "status", "clock"]}),
        (_("request"), {"fields": ["requested_type", "requested_amount", "type", "amount", "reason", "shipped",
                                   "shipped_flag", "first_on_order"]}),
        (_("clocks"), {"fields": ["opened_at", "merchant_deadline", "decided_at", "return_ship_deadline",
                                  "receipt_confirm_deadline", "refund_deadline", "escalation_deadline"]}),
        (_("return"), {"fields": ["return_address", "return_address_set_at", "tracking_no", "return_shipped_at",
                                  "return_delivered_at", "return_received_at"]}),
        (_("outcome"), {"fields": ["refunded_at", "reject_reason", "escalated_at", "judgement", "judged_at",
                                   "closed_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # nothing on a case's page is edited here (every field is the services'): no Save button;
        # the list's judgement actions still need the permission
        return obj is None and super().has_change_permission(request, obj)

    def get_inline_instances(self, request, obj=None):
        # a case without a negotiation has no negotiation block (not an empty heading); its evidence
        # and contest blocks stay
        inlines = super().get_inline_instances(request, obj)
        if obj is None or not Negotiation.objects.filter(case=obj).exists():
            inlines = [inline for inline in inlines if not isinstance(inline, NegotiationInline)]
        return inlines

    @admin.display(description=_("clock"))
    def clock(self, obj):
        now = timezone.now()
        if obj.status == S.PENDING:
            return _time_left(obj.merchant_deadline, now)
        if obj.return_address_missing:
            return format_html("<strong>{}</strong>", _("waiting for a return address"))
        if obj.status == S.AWAITING_RETURN and obj.return_shipped_at is None:
            return _time_left(obj.return_ship_deadline, now)
        if obj.status == S.AWAITING_RETURN and obj.receipt_confirm_deadline:
            return _time_left(obj.receipt_confirm_deadline, now)
        if obj.status == S.RETURN_RECEIVED:
            return _time_left(obj.refund_deadline, now)
        if obj.status == S.ESCALATED:
            return format_html("<strong>{}</strong>", _("awaiting judgement"))
        if obj.status == S.RETURN_DISPUTED:
            return admin_evidence.decide_link(obj.pk)
        return "—"

    @admin.display(description=_("negotiation"), ordering="negotiation__status")
    def negotiation_state(self, obj):
        try:
            negotiation = obj.negotiation
        except Negotiation.DoesNotExist:
            return "—"
        if negotiation.status == Negotiation.Status.OPEN:
            return format_html("{} {} · {}", negotiation.get_type_display(), yuan(negotiation.amount),
                               _time_left(negotiation.expires_at, timezone.now()))
        return negotiation.get_status_display()

    def _judge(self, request, queryset, seller_responsible: bool, title, submit_label):
        """A confirmation page with each case's facts and a note; the message names the effect.
        Only escalated cases are judged: the others are named and left out before the
        confirmation (not refused on submit)."""
        others = list(queryset.exclude(status=S.ESCALATED))
        for case in others:
            self.message_user(request, _("%(case)s is %(status)s: only escalated cases are judged.")
                              % {"case": case, "status": case.get_status_display()}, messages.ERROR)
        queryset = queryset.filter(status=S.ESCALATED)
        if not queryset.exists():
            return None
        return form_action(self, request, queryset.select_related("store", "order"), form_class=JudgeForm,
                           title=title, submit_label=submit_label, facts=admin_evidence.case_facts_with_evidence,
                           effect=judge_facts.judged_effect,
                           apply=lambda case, d: services.refund_case_judge(
                               case_id=case.pk, actor=Actor.operator(request.user), note=d["note"],
                               seller_responsible=seller_responsible))

    @admin.action(description=_("Judge escalated cases: seller responsible (refund forced)…"),
                  permissions=["change"])
    def judge_seller_responsible(self, request, queryset):
        return self._judge(request, queryset, True, _("Judge: seller responsible (refund forced)"),
                           _("Seller responsible: refund"))

    @admin.action(description=_("Judge escalated cases: buyer responsible (close)…"), permissions=["change"])
    def judge_buyer_responsible(self, request, queryset):
        return self._judge(request, queryset, False, _("Judge: buyer responsible (close)"),
                           _("Buyer responsible: close"))


@admin.register(RefundPolicy)
class RefundPolicyAdmin(SingletonPolicyAdmin):
    pass


class RefundRulesForm(forms.ModelForm):
    class Meta:
        model = RefundRules
        fields = ["store", "auto_agree_unshipped_refund_only", "auto_agree_no_reason_return", "return_address"]

    def clean(self):
        data = super().clean()
        if data.get("auto_agree_no_reason_return") and not (data.get("return_address") or "").strip():
            self.add_error("return_address", _("Required when auto-agreeing returns."))
        return data


@admin.register(RefundRules)
class RefundRulesAdmin(LargeListAdmin, HistoryAdmin):
    form = RefundRulesForm
    list_display = ["store", "auto_agree_unshipped_refund_only", "auto_agree_no_reason_return", "return_address",
                    "updated_at"]
    list_filter = [("store", AutocompleteFilter), "auto_agree_unshipped_refund_only", "auto_agree_no_reason_return"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]

    def save_model(self, request, obj, form, change):
        values = {k: form.cleaned_data[k] for k in ("auto_agree_unshipped_refund_only",
                                                    "auto_agree_no_reason_return", "return_address")}
        saved = services.refund_rules_update(store=form.cleaned_data["store"], actor=Actor.operator(request.user),
                                             **values)
        obj.pk = saved.pk


@admin.register(StoreRefundKpi)
class StoreRefundKpiAdmin(ReturnStagesAdminMixin, LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin,
                          admin.ModelAdmin):
    """The four KPIs of SPEC §3 per store over the 30 local days ending today, computed as SQL
    annotations (one query per page, whatever its length)."""

    export = STORE_REFUND_KPIS
    list_display = ["name", "orders_paid", "product_experience_refund_rate", "refund_only_completion_hours",
                    "return_refund_completion_hours", "dispute_refund_rate"]
    search_fields = ["name"]
    list_filter = ["grade", "status"]
    # The page of one store shows the KPIs its list promised (not the store's profile), one block
    # per subject: a further read-only block is one more entry here and in `readonly_fields`.
    fieldsets = [
        (None, {"fields": ["name", "kpi_window_shown", "orders_paid"]}),
        (_("refund KPIs (30 days)"), {"fields": ["product_experience_refund_rate", "refund_only_completion_hours",
                                                  "return_refund_completion_hours", "dispute_refund_rate"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [f for _name, options in self.get_fieldsets(request, obj) for f in options["fields"]]

    @admin.display(description=_("window"))
    def kpi_window_shown(self, obj):
        start, end = selectors.kpi_window(timeutil.local_date(timezone.now()))
        return f"{timeutil.local(start):%Y-%m-%d} – {timeutil.local(end - dt.timedelta(days=1)):%Y-%m-%d}"

    def get_queryset(self, request):
        start, end = selectors.kpi_window(timeutil.local_date(timezone.now()))
        return super().get_queryset(request).annotate(**selectors.kpi_annotations(
            start=start, end=end, reasons=RefundPolicy.current().reason_codes()))

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and (
            request.user.has_perm("refunds.view_refundcase") or request.user.has_perm("merchants.view_store"))

    def _kpi(self, obj, name):
        value = selectors.kpis_from_row(obj)[name]
        return duration(value) if name.endswith("_hours") else percent(value)

    @admin.display(description=_("orders paid (30 days)"), ordering="kpi_orders_paid")
    def orders_paid(self, obj):
        return obj.kpi_orders_paid

    @admin.display(description=_("product experience refund rate"))
    def product_experience_refund_rate(self, obj):
        return self._kpi(obj, "product_experience_refund_rate")

    @admin.display(description=_("refund-only completion"))
    def refund_only_completion_hours(self, obj):
        return self._kpi(obj, "refund_only_completion_hours")

    @admin.display(description=_("return completion"))
    def return_refund_completion_hours(self, obj):
        return self._kpi(obj, "return_refund_completion_hours")

    @admin.display(description=_("dispute refund rate"))
    def dispute_refund_rate(self, obj):
        return self._kpi(obj, "dispute_refund_rate")
