from decimal import Decimal

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import (
    AutocompleteFilter,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    SingletonPolicyAdmin,
)
from merchants.admin_format import percent, percent_column, yuan

from .models import CreditEvaluation, CreditIndicator, CreditScorePolicy, Dimension, EcoPackaging, StoreMetrics


@admin.register(StoreMetrics)
class StoreMetricsAdmin(LargeListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Ingested by platform services (POST …/metrics/), which also re-evaluates credit."""

    list_display = ["store", "month", "monthly_sales", "dsr_score", "on_time", "disputes", "returns", "updated_at"]
    on_time = percent_column("on_time_rate", _("on-time shipping rate"))
    disputes = percent_column("dispute_rate", _("dispute rate"))
    returns = percent_column("return_rate", _("return rate"))
    list_filter = [("store", AutocompleteFilter), "month"]
    search_fields = ["store__name"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]


def render_score(ev):
    """An evaluation as a small table: dimensions, indicators (value → 0–100), missing ones."""
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((dim, indicator_label(name), indicator_value(name, d["value"]), source_label(d.get("source")),
          d["score"])
         for name, d in sorted(ev.indicators.items(), key=lambda kv: (kv[1]["dimension"], kv[0]))
         for dim in [kv_dim(d)]))
    return format_html(
        "<p><b>{}</b> S = {} · {}: {} ({}) · {}: {} · {}: {}</p>"
        "<p>{}: {} · {}: {} · {}: {} · {}: {}</p>"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table><p>{}: {}</p>",
        ev.month.strftime("%Y-%m"), ev.score, _("sales"), yuan(ev.monthly_sales), ev.get_sales_source_display(),
        _("base limit"), yuan(ev.base_limit), _("eco-packaging bonus"), f"{ev.eco_bonus_rate:.2%}",
        _("store health"), ev.store_health, _("capital turnover"), ev.capital_turnover,
        _("risk control"), ev.risk_control, _("market"), ev.market,
        _("dimension"), _("indicator"), _("value"), _("source"), _("score"), rows,
        _("missing (scored 0)"), ", ".join(indicator_label(m) for m in ev.missing) or "—")


def indicator_label(name: str) -> str:
    """The indicator in words (its code stays in the API and the evaluation's JSON)."""
    return str(dict(CreditIndicator.Name.choices).get(name, name))


# indicators measured as a fraction (0.85 = 85%); the others in their own unit (days, hours, DSR)
FRACTION_INDICATORS = {"repeat_rate", "on_time_rate", "cash_flow_ratio", "dispute_rate", "return_rate",
                       "category_rank_percentile", "top_products_share", "marketing_participation"}


def indicator_value(name: str, value) -> str:
    """An indicator's value as read: fractions as percentages, the rest to 2 places."""
    if value is None or value == "":
        return "—"
    if name in FRACTION_INDICATORS:
        return percent(value)
    return f"{Decimal(value):.2f}"


def source_label(source: str | None) -> str:
    """Where an indicator's value came from, as words."""
    labels = {"ingested": CreditEvaluation.SalesSource.INGESTED.label,
              "orders": CreditEvaluation.SalesSource.ORDERS.label, "computed": _("computed by the platform")}
    return str(labels.get(source, source or ""))


def kv_dim(detail):
    return dict(Dimension.choices).get(detail["dimension"], detail["dimension"])


@admin.register(CreditScorePolicy)
class CreditScorePolicyAdmin(SingletonPolicyAdmin):
    fields = ["weight_store_health", "weight_capital_turnover", "weight_risk_control", "weight_market",
              "min_multiple", "max_multiple", "eco_packaging_bonus_rate"]


@admin.register(CreditIndicator)
class CreditIndicatorAdmin(HistoryAdmin):
    list_display = ["name", "dimension", "weight", "zero_at", "full_at"]
    list_editable = ["weight", "zero_at", "full_at"]
    list_filter = ["dimension"]

    def has_add_permission(self, request):
        return False  # the indicators are the fixed set SPEC scores

    def has_delete_permission(self, request, obj=None):
        return False



@admin.register(CreditEvaluation)
class CreditEvaluationAdmin(LargeListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "month", "score", "store_health", "capital_turnover", "risk_control", "market",
                    "monthly_sales", "sales_source", "base_limit", "evaluated_at"]
    list_filter = [("store", AutocompleteFilter), "month", "sales_source"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    readonly_fields = ["breakdown"]
    fields = ["store", "month", "breakdown", "evaluated_at"]

    @admin.display(description=_("breakdown"))
    def breakdown(self, obj):
        return render_score(obj)


def render_advice(advice):
    """The credit advisor (SPEC §5) as a small table, for the store's admin page."""
    if advice is None:
        return _("not evaluated yet")
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>+{}</td><td>+{}</td></tr>",
        ((kv_dim(s.__dict__), indicator_label(s.indicator), indicator_value(s.indicator, s.value),
          indicator_value(s.indicator, s.target), s.score_gain, yuan(s.limit_gain)) for s in advice.suggestions))
    return format_html(
        "<p>{} {} · {}: {} · {}: {} · {}: {}</p>"
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
        _("next evaluation with the same values"), yuan(advice.next_base_limit),
        _("eco-packaging verified"), _("yes") if advice.eco_verified else _("no"),
        _("missing"), ", ".join(indicator_label(m) for m in advice.missing) or "—",
        _("pay-later orders refused in the last 30 days"), yuan(advice.refused_30d),
        _("dimension"), _("indicator"), _("value"), _("scores 100 at"), _("score gain"), _("limit gain"), rows)


@admin.register(EcoPackaging)
class EcoPackagingAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    """Set by platform services (POST /platform/stores/{id}/eco-packaging/); audited here."""

    list_display = ["store", "verified", "updated_at"]
    list_filter = [("store", AutocompleteFilter), "verified"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
