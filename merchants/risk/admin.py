"""Operators' view of the monthly risk self-check (SPEC §5): stores by worst status with the trend
of the last 6 months (one query for the page, one for the trends), and the policy."""
from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import AutocompleteFilter, LargeListAdmin, ReadOnlyAdminMixin, SingletonPolicyAdmin
from merchants.admin_format import percent

from .models import RiskCheck, RiskPolicy, RiskStatus, StoreRisk
from .points import LABELS, RATES
from .selectors import stores_by_latest_risk

COLOURS = {RiskStatus.OK: "#2a2", RiskStatus.WARNING: "#d80", RiskStatus.BREACH: "#c00"}
TREND_MONTHS = 6


def shown(code: str, value) -> str:
    """A point's value or level as read: rates as percentages (0.0120 → 1.20%), the rest as stored."""
    if code in RATES:
        return percent(value)
    return "—" if value in (None, "") else str(value)


def badge(status: str):
    return format_html('<b style="color:{}">{}</b>', COLOURS.get(status, "inherit"), RiskStatus(status).label)


def point_table(check: RiskCheck):
    """A self-check's points: value, warning level, limit and status of each."""
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            ((LABELS.get(p["code"], p["code"]), shown(p["code"], p["value"]),
                              shown(p["code"], p["warning_at"]), shown(p["code"], p["limit_at"]),
                              badge(p["status"])) for p in check.points))
    return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                       _("point"), _("value"), _("warning at"), _("limit"), _("status"), rows)


class LatestStatusFilter(admin.SimpleListFilter):
    title = _("latest status")
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        return RiskStatus.choices

    def queryset(self, request, queryset):
        if self.value() in RiskStatus.values:
            return queryset.filter(latest_status=self.value())
        return queryset


@admin.register(StoreRisk)
class StoreRiskAdmin(LargeListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "latest_month", "worst_status", "trend", "points_out_of_line"]
    list_filter = [LatestStatusFilter]
    search_fields = ["name"]
    # the page of one store: the risk points and trend the list promised, not the store's profile
    fields = ["name", "latest_month", "worst_status", "trend", "latest_points", "checks"]
    readonly_fields = fields

    def get_ordering(self, request):
        return ["-latest_severity", "name"]

    def get_queryset(self, request):
        recent = RiskCheck.objects.order_by("-month").only("store_id", "month", "status", "points")
        # not super(): it orders by get_ordering() before the annotations exist
        return stores_by_latest_risk().prefetch_related(
            Prefetch("risk_checks", queryset=recent, to_attr="recent_checks"))

    @admin.display(description=_("month"), ordering="latest_month")
    def latest_month(self, obj):
        return obj.latest_month.strftime("%Y-%m") if obj.latest_month else "—"

    @admin.display(description=_("worst status"), ordering="latest_severity")
    def worst_status(self, obj):
        return badge(obj.latest_status) if obj.latest_status else "—"

    @admin.display(description=_("last 6 months (oldest first)"))
    def trend(self, obj):
        checks = list(reversed(obj.recent_checks[:TREND_MONTHS]))
        return format_html_join(" ", '<span title="{}" style="color:{}">●</span>',
                                ((f"{c.month:%Y-%m} {c.get_status_display()}", COLOURS[c.status]) for c in checks))

    @admin.display(description=_("risk points (latest self-check)"))
    def latest_points(self, obj):
        latest = obj.recent_checks[0] if obj.recent_checks else None
        return point_table(latest) if latest else _("not checked yet")

    @admin.display(description=_("monthly self-checks"))
    def checks(self, obj):
        return format_html_join(" · ", '<a href="{}">{} {}</a>',
                                ((reverse("admin:merchants_riskcheck_change", args=[c.pk]), c.month.strftime("%Y-%m"),
                                  c.get_status_display()) for c in obj.recent_checks[:TREND_MONTHS])) or "—"

    @admin.display(description=_("points in warning or breach"))
    def points_out_of_line(self, obj):
        latest = obj.recent_checks[0] if obj.recent_checks else None
        bad = [(LABELS.get(p["code"], p["code"]), shown(p["code"], p["value"]))
               for p in (latest.points if latest else []) if p["status"] != "ok"]
        return format_html_join(", ", "{}: {}", bad) if bad else "—"


@admin.register(RiskCheck)
class RiskCheckAdmin(LargeListAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["store", "month", "status", "checked_at"]
    list_filter = [("store", AutocompleteFilter), "status", "month"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    ordering = ["-month", "-severity"]
    fields = ["store", "month", "status", "point_table", "checked_at"]
    readonly_fields = fields

    @admin.display(description=_("risk points"))
    def point_table(self, obj):
        return point_table(obj)


@admin.register(RiskPolicy)
class RiskPolicyAdmin(SingletonPolicyAdmin):
    pass
