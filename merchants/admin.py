from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from merchants.api.views import with_wallet_balance
from merchants.admin_policy import SingletonPolicyAdmin
from merchants.models import (Category, CreditEvaluation, CreditIndicator, CreditScorePolicy, Dimension, LedgerEntry,
                              Order, Product, Sanction, Store, StoreMetrics, Violation)
from merchants.selectors import sanctions_in_force_q, store_credit


class ReadOnlyAdminMixin:
    """For append-only or system-written records: viewable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "is_fresh", "paylater_excluded", "product_count"]
    list_filter = ["is_fresh", "paylater_excluded"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_products=Count("products"))

    @admin.display(description=_("products"), ordering="_products")
    def product_count(self, obj):
        return obj._products


class LedgerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "amount", "reference", "memo", "created_by"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    max_num = 0
    show_change_link = False
    verbose_name_plural = _("wallet ledger (latest first)")


class SanctionFilter(admin.SimpleListFilter):
    """Derived from sanction dates, in SQL."""

    title = _("restriction in force now")
    parameter_name = "restricted"

    def lookups(self, request, model_admin):
        return [(k, label) for k, label in Sanction.Kind.choices]

    def queryset(self, request, queryset):
        if self.value() in Sanction.Kind.values:
            return queryset.filter(sanctions_in_force_q(self.value(), timezone.now())).distinct()
        return queryset


@admin.register(Store)
class StoreAdmin(SimpleHistoryAdmin):
    list_display = ["id", "name", "owner", "city", "grade", "status", "wallet_upgraded", "base_limit",
                    "balance"]
    list_filter = ["grade", "status", "wallet_upgraded", SanctionFilter, "main_category"]
    search_fields = ["name", "city", "owner__username"]
    autocomplete_fields = ["owner", "main_category"]
    filter_horizontal = ["members"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = ["base_limit", "balance", "credit_summary", "score_breakdown", "created_at"]
    inlines = [LedgerInline]

    def get_queryset(self, request):
        return with_wallet_balance(super().get_queryset(request))

    @admin.display(description=_("wallet balance"), ordering="wallet_balance")
    def balance(self, obj):
        value = obj.wallet_balance
        colour = "#b00" if value < 0 else "inherit"
        return format_html('<span style="color:{}">{}</span>', colour, f"{value:.2f}")

    @admin.display(description=_("credit"))
    def credit_summary(self, obj):
        if not obj.pk:
            return "-"
        c = store_credit(store=obj)
        return format_html(
            "{}: {} · {}: {} · {}: {} · {}: {} · {}: {}",
            _("base"), f"{c.base_limit:.2f}", _("effective"), f"{c.effective_limit:.2f}",
            _("exposure"), f"{c.exposure:.2f}", _("available"), f"{c.available:.2f}",
            _("frozen until"), timezone.localtime(c.frozen_until).strftime("%Y-%m-%d %H:%M") if c.frozen_until
            else "—")

    @admin.display(description=_("credit score (latest evaluation)"))
    def score_breakdown(self, obj):
        from merchants.credit import latest_evaluation

        ev = latest_evaluation(store=obj) if obj.pk else None
        if ev is None:
            return _("not evaluated yet")
        return render_score(ev)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["id", "title", "store", "category", "price", "listed"]
    list_filter = ["listed", "category"]
    search_fields = ["title", "store__name"]
    autocomplete_fields = ["store", "category"]
    list_select_related = ["store", "category"]
    date_hierarchy = "created_at"


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["id", "store", "product", "buyer_id", "amount", "fee", "payment_method", "channel", "status",
                    "paid_at"]
    list_filter = ["payment_method", "channel", "status"]
    search_fields = ["=id", "buyer_id", "store__name"]
    raw_id_fields = ["store", "product"]
    list_select_related = ["store", "product"]
    date_hierarchy = "paid_at"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "created_at", "store", "kind", "amount", "reference", "memo", "created_by"]
    list_filter = ["kind"]
    search_fields = ["store__name", "reference", "idempotency_key"]
    list_select_related = ["store", "created_by"]
    date_hierarchy = "created_at"


@admin.register(StoreMetrics)
class StoreMetricsAdmin(admin.ModelAdmin):
    list_display = ["store", "month", "monthly_sales", "dsr_score", "on_time_rate", "dispute_rate", "return_rate",
                    "updated_at"]
    list_filter = ["month"]
    search_fields = ["store__name"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]
    date_hierarchy = "month"


class SanctionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Sanction
    fields = ["kind", "starts_at", "ends_at", "revoked_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Violation)
class ViolationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "store", "kind", "status", "occurred_at", "confirmed_at", "detected_by"]
    list_filter = ["kind", "status"]
    search_fields = ["store__name", "reference", "detail"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["status", "confirmed_at", "decided_at", "revoked_at", "revoke_reason", "dedup_key",
                       "created_at"]
    inlines = [SanctionInline]





# --- credit score ----------------------------------------------------------------------------
def render_score(ev):
    """An evaluation as a small table: dimensions, indicators (value → 0–100), missing ones."""
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((dim, name, d["value"] if d["value"] is not None else "—", d.get("source") or "", d["score"])
         for name, d in sorted(ev.indicators.items(), key=lambda kv: (kv[1]["dimension"], kv[0]))
         for dim in [kv_dim(d)]))
    return format_html(
        "<p><b>{}</b> S = {} · {}: {} ({}) · {}: {}</p>"
        "<p>{}: {} · {}: {} · {}: {} · {}: {}</p>"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><p>{}: {}</p>",
        ev.month.strftime("%Y-%m"), ev.score, _("sales"), f"{ev.monthly_sales:.2f}", ev.get_sales_source_display(),
        _("base limit"), f"{ev.base_limit:.2f}",
        _("store health"), ev.store_health, _("capital turnover"), ev.capital_turnover,
        _("risk control"), ev.risk_control, _("market"), ev.market,
        _("dimension"), _("indicator"), _("value"), _("source"), _("score"), rows,
        _("missing (scored 0)"), ", ".join(ev.missing) or "—")


def kv_dim(detail):
    return dict(Dimension.choices).get(detail["dimension"], detail["dimension"])


@admin.register(CreditScorePolicy)
class CreditScorePolicyAdmin(SingletonPolicyAdmin):
    fields = ["weight_store_health", "weight_capital_turnover", "weight_risk_control", "weight_market",
              "min_multiple", "max_multiple"]


@admin.register(CreditIndicator)
class CreditIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "dimension", "weight", "zero_at", "full_at"]
    list_editable = ["weight", "zero_at", "full_at"]
    list_filter = ["dimension"]

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from merchants.credit import ensure_default_indicators

        ensure_default_indicators()
        return super().changelist_view(request, extra_context)


@admin.register(CreditEvaluation)
class CreditEvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "month", "score", "store_health", "capital_turnover", "risk_control", "market",
                    "monthly_sales", "sales_source", "base_limit", "evaluated_at"]
    list_filter = ["month", "sales_source"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    date_hierarchy = "month"
    readonly_fields = ["breakdown"]
    fields = ["store", "month", "breakdown", "evaluated_at"]

    @admin.display(description=_("breakdown"))
    def breakdown(self, obj):
        return render_score(obj)
