import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from merchants.admin_base import (
    AutocompleteFilter,
    BoundedInlineMixin,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    SingletonPolicyAdmin,
)
from merchants.admin_format import money_column, time_column, yuan
from merchants.exports import ExportAdminMixin
from merchants.models import Category

from . import selectors, services
from .admin_facts import REFUSAL_WORDS, refusal_words
from .exports import FEE_STATEMENTS, REFUSALS
from .models import (
    Activity,
    ActivityItem,
    Enrollment,
    FeeRate,
    FeeStatement,
    InvoiceRequest,
    Lifecycle,
    PaylaterPolicy,
    Refusal,
)


@admin.register(PaylaterPolicy)
class PaylaterPolicyAdmin(SingletonPolicyAdmin):
    fields = ["price_cap", "standard_fee_rate", "min_buyer_credit_score", "excess_advance_daily_limit",
              "excluded_categories", "proceeds_cycle_days", "updated_at"]
    readonly_fields = ["excluded_categories", "updated_at"]

    @admin.display(description=_("excluded categories (edit the 'excluded from pay-later' flag on categories)"))
    def excluded_categories(self, obj):
        return ", ".join(Category.objects.filter(paylater_excluded=True).values_list("name", flat=True)) or "—"


@admin.register(FeeRate)
class FeeRateAdmin(HistoryAdmin):
    list_display = ["name", "rate_percent", "starts_on", "ends_on"]
    ordering = ["starts_on", "id"]

    @admin.display(description=_("rate"), ordering="rate")
    def rate_percent(self, obj):
        return f"{obj.rate * 100:.2f}%"


class RefusalFilter(admin.SimpleListFilter):
    """The refusal codes as words (`wallet_not_upgraded` → 安心钱包未升级)."""

    title = _("refusal reason")
    parameter_name = "refusal_code"

    def lookups(self, request, model_admin):
        return [(code, words) for code, words in REFUSAL_WORDS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(refusal_code=self.value()) if self.value() else queryset


@admin.register(Enrollment)
class EnrollmentAdmin(LargeListAdmin, HistoryAdmin):
    """Enrollment is decided by the rules when the merchant asks (API); shown here with its history."""

    list_display = ["store", "status", "refusal", "attempts", "last_attempt_at", "enrolled_at"]
    list_filter = [("store", AutocompleteFilter), "last_attempt_at", "status", RefusalFilter]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    fields = ["store", "status", "refusal", "attempts", "last_attempt_at", "enrolled_at"]
    readonly_fields = fields

    @admin.display(description=_("refusal reason"), ordering="refusal_code")
    def refusal(self, obj):
        return refusal_words(obj.refusal_code)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DerivedStatusFilter(admin.SimpleListFilter):
    """Filters on the status annotated in SQL from now and the dates (never in Python)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Lifecycle.choices

    def queryset(self, request, queryset):
        if self.value() in Lifecycle.values:
            return queryset.filter(status=self.value())
        return queryset


class ActivityItemInline(BoundedInlineMixin, admin.TabularInline):
    model = ActivityItem
    max_shown = 50  # the latest; every item is under Activity items, searchable by activity
    latest_first = ("-created_at", "-id")
    fields = ["product", "item_status", "created_at", "ended_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.items_with_status(super().get_queryset(request).select_related("product", "activity"))

    @admin.display(description=_("status"))
    def item_status(self, obj):
        return Lifecycle(obj.status).label


def _end_selected(modeladmin, request, queryset, end, label):
    done = 0
    for obj in queryset:
        try:
            end(obj.pk)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.WARNING)
    modeladmin.message_user(request, _("%(n)d %(label)s ended.") % {"n": done, "label": label}, messages.SUCCESS)


@admin.register(Activity)
class ActivityAdmin(LargeListAdmin, HistoryAdmin):
    list_display = ["name", "store", "duration", "starts_at", "ends_at", "derived_status", "item_count",
                    "ended_at"]
    list_filter = [("store", AutocompleteFilter), "starts_at", DerivedStatusFilter, "duration"]
    search_fields = ["name", "store__name"]
    list_select_related = ["store"]
    readonly_fields = ["store", "duration", "starts_at", "ends_at", "ended_at", "created_at"]
    inlines = [ActivityItemInline]
    actions = ["end_activities"]

    def get_queryset(self, request):
        return selectors.activities_with_status(super().get_queryset(request)).annotate(_items=Count("items"))

    def has_add_permission(self, request):
        return False  # merchants create activities through the API (eligibility is checked there)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("status"), ordering="status")
    def derived_status(self, obj):
        return Lifecycle(obj.status).label

    @admin.display(description=_("items"), ordering="_items")
    def item_count(self, obj):
        return obj._items

    @admin.action(description=_("End the selected activities (and all their items)"), permissions=["change"])
    def end_activities(self, request, queryset):
        _end_selected(self, request, queryset, lambda pk: services.activity_end(
            activity_id=pk, reason=f"operator: {request.user.get_username()} — ended activity"), _("activities"))


@admin.register(ActivityItem)
class ActivityItemAdmin(LargeListAdmin, HistoryAdmin):
    list_display = ["id", "product", "activity", "store", "derived_status", "created_at", "ended_at"]
    list_filter = [("activity__store", AutocompleteFilter), DerivedStatusFilter]
    search_fields = ["product__title", "activity__name", "activity__store__name"]
    list_select_related = ["product", "activity__store"]
    readonly_fields = ["activity", "product", "created_at", "ended_at"]
    actions = ["end_items"]

    def get_queryset(self, request):
        return selectors.items_with_status(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("store"))
    def store(self, obj):
        return obj.activity.store

    @admin.display(description=_("status"), ordering="status")
    def derived_status(self, obj):
        return Lifecycle(obj.status).label

    @admin.action(description=_("End the selected items"), permissions=["change"])
    def end_items(self, request, queryset):
        _end_selected(self, request, queryset, lambda pk: services.activity_item_end(
            item_id=pk, reason=f"operator: {request.user.get_username()} — ended item"), _("items"))


class InvoiceStateFilter(admin.SimpleListFilter):
    title = _("invoice")
    parameter_name = "invoice"

    def lookups(self, request, model_admin):
        return [("none", _("not requested")), *InvoiceRequest.Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(invoice__isnull=True)
        if self.value() in InvoiceRequest.Status.values:
            return queryset.filter(invoice__status=self.value())
        return queryset


@admin.register(FeeStatement)
class FeeStatementAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Generated by the monthly job (generate_fee_statements): read, exported, never edited here
    (its page had Save buttons over fields that were all read-only)."""

    export = FEE_STATEMENTS
    list_display = ["store", "month_name", "order_count", "fee_total", "invoice_state", "generated_at"]
    list_filter = [("store", AutocompleteFilter), "month", InvoiceStateFilter]
    search_fields = ["store__name"]
    list_select_related = ["store", "invoice"]
    readonly_fields = ["store", "month", "order_count", "fee_total", "generated_at"]

    @admin.display(description=_("month"), ordering="month")
    def month_name(self, obj):
        return obj.month.strftime("%Y-%m")

    @admin.display(description=_("invoice"))
    def invoice_state(self, obj):
        invoice = getattr(obj, "invoice", None)
        if invoice is None:
            return "—"
        return f"{invoice.get_status_display()} {invoice.invoice_number}".strip()


class IssueForm(forms.Form):
    invoice_number = forms.CharField(label=_("invoice number"), max_length=50)


@admin.register(InvoiceRequest)
class InvoiceRequestAdmin(LargeListAdmin, HistoryAdmin):
    list_display = ["statement", "title", "tax_id", "status", "requested_at", "invoice_number", "issued_at"]
    list_filter = [("statement__store", AutocompleteFilter), "requested_at", "status"]
    search_fields = ["statement__store__name", "title", "tax_id", "invoice_number"]
    list_select_related = ["statement__store"]
    readonly_fields = ["statement", "title", "tax_id", "status", "requested_at", "invoice_number", "issued_at"]
    actions = ["mark_issued"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Mark issued (enter the invoice numbers)"), permissions=["change"])
    def mark_issued(self, request, queryset):
        invoices = list(queryset.filter(status=InvoiceRequest.Status.REQUESTED).select_related("statement__store"))
        if "apply" in request.POST:
            forms_ = [(inv, IssueForm(request.POST, prefix=str(inv.pk))) for inv in invoices]
            if all(form.is_valid() for _inv, form in forms_):
                for inv, form in forms_:
                    number = form.cleaned_data["invoice_number"]
                    try:
                        services.invoice_mark_issued(invoice_id=inv.pk, user=request.user, at=timezone.now(),
                                                     invoice_number=number)
                    except DomainError as exc:
                        self.message_user(request, f"{inv}: {exc.detail}", messages.WARNING)
                        continue
                    self.message_user(request, _("%(statement)s: invoice %(number)s issued for %(fee)s")
                                      % {"statement": inv.statement, "number": number,
                                         "fee": yuan(inv.statement.fee_total)}, messages.SUCCESS)
                return None
        else:
            forms_ = [(inv, IssueForm(prefix=str(inv.pk))) for inv in invoices]
        if not invoices:
            self.message_user(request, _("None of the selected invoices is waiting to be issued."), messages.WARNING)
            return None
        return TemplateResponse(request, "admin/paylater/invoice_mark_issued.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "rows": forms_,
            "title": _("Mark invoices issued"), "action": "mark_issued",
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)})


# --- orders lost to the limit (SPEC §6) ----------------------------------------------------------
class RefusalPeriodFilter(admin.SimpleListFilter):
    title = _("period")
    parameter_name = "period"
    PERIODS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [("24h", _("last 24 hours")), ("7d", _("last 7 days")), ("30d", _("last 30 days"))]

    def queryset(self, request, queryset):
        if self.value() in self.PERIODS:
            return queryset.filter(at__gte=timezone.now() - self.PERIODS[self.value()])
        return queryset


class LatestPerStoreFilter(admin.SimpleListFilter):
    """One row per store, its latest refusal among those the other filters keep: the operators'
    first page counts stores, and its link lands here."""

    title = _("rows shown")
    parameter_name = "per_store"

    def lookups(self, request, model_admin):
        return [("latest", _("one per store (the latest)"))]

    def queryset(self, request, queryset):
        if self.value() == "latest":
            latest = queryset.order_by("store_id", "-at", "-id").distinct("store_id").values("pk")
            return queryset.filter(pk__in=latest)
        return queryset


@admin.register(Refusal)
class RefusalAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by order intake for every refused pay-later order; read and exported here."""

    export = REFUSALS
    list_display = ["at_local", "store", "code", "amount_yuan", "available_yuan", "shortfall_yuan", "buyer_id"]
    list_filter = [("store", AutocompleteFilter), "code", RefusalPeriodFilter, LatestPerStoreFilter]
    search_fields = ["store__name", "buyer_id"]
    list_select_related = ["store"]
    readonly_fields = ["store", "code", "amount", "available", "buyer_id", "at"]
    ordering = ["-at", "-id"]

    at_local = time_column("at", _("refused at"))
    amount_yuan = money_column("amount", _("amount"))
    available_yuan = money_column("available", _("available limit"))

    @admin.display(description=_("shortfall"))
    def shortfall_yuan(self, obj):
        return yuan(obj.shortfall)
