import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, OuterRef, Value, When
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config import timeutil
from config.api.errors import DomainError
from config.history import shown_reason
from merchants.admin_base import (
    AutocompleteFilter,
    BoundedInlineMixin,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    SingletonPolicyAdmin,
)
from merchants.admin_format import money_column, percent_column, yuan
from merchants.exports import ExportAdminMixin

from .exports import SETTLEMENT_RUNS, SHIPMENTS, WEEKLY_RESULTS
from .models import (
    AdCreditGrant,
    Enrollment,
    IncentiveTier,
    LogisticsPolicy,
    LogisticsProfile,
    SettlementBatch,
    SettlementRun,
    Shipment,
    WeeklyResult,
)
from .recovery import needs_attention_q, stuck_runs
from .rules import awaiting_follow_up_q, on_time_q
from .selectors import shipments_with_on_time
from .services import enrollment_cancel
from .settlement import previous_week, settlement_start


@admin.register(LogisticsPolicy)
class LogisticsPolicyAdmin(SingletonPolicyAdmin):
    pass


@admin.register(IncentiveTier)
class IncentiveTierAdmin(HistoryAdmin):
    list_display = ["valid_from", "valid_until", "min_daily_average", "min_rate_shown", "per_parcel_shown"]
    min_rate_shown = percent_column("min_on_time_rate", _("minimum on-time rate (≥)"))
    per_parcel_shown = money_column("per_parcel", _("incentive per picked-up parcel"))
    list_filter = ["valid_from"]


@admin.register(LogisticsProfile)
class LogisticsProfileAdmin(LargeListAdmin, HistoryAdmin):
    list_display = ["store", "official_logistics_enabled", "deposit_paid", "updated_at"]
    list_filter = [("store", AutocompleteFilter), "official_logistics_enabled"]
    search_fields = ["store__name"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]


@admin.register(Enrollment)
class EnrollmentAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ["id", "store", "status", "ship_from_city", "joined_at", "counting_from", "cancelled_at"]
    list_filter = [("store", AutocompleteFilter), "joined_at", "status", "counting_from"]
    search_fields = ["store__name", "ship_from_city"]
    list_select_related = ["store"]
    actions = ["cancel"]

    def has_cancel_permission(self, request):
        return request.user.has_perm("logistics.change_enrollment")

    @admin.action(description=_("Cancel the selected enrollments"), permissions=["cancel"])
    def cancel(self, request, queryset):
        done = 0
        for enrollment in queryset.filter(status=Enrollment.Status.ACTIVE):
            enrollment_cancel(enrollment=enrollment, user=request.user,
                              reason=f"operator: {request.user.get_username()} — cancelled")
            done += 1
        self.message_user(request, _("%(n)s enrollments cancelled.") % {"n": done})


class OnTimeFilter(admin.SimpleListFilter):
    """Derived from timestamps in SQL (SPEC §4): on time, late, awaiting pickup, follow-up."""

    title = _("shipping")
    parameter_name = "shipping"

    def lookups(self, request, model_admin):
        return [("on_time", _("on time")), ("late", _("not on time")), ("awaiting", _("awaiting pickup")),
                ("follow_up", _("no pickup after 24 h: follow up (主动跟单)"))]

    def queryset(self, request, queryset):
        if self.value() == "on_time":
            return queryset.filter(on_time_q())
        if self.value() == "late":
            return queryset.exclude(on_time_q())
        if self.value() == "awaiting":
            return queryset.filter(picked_up_at__isnull=True)
        if self.value() == "follow_up":
            return queryset.filter(awaiting_follow_up_q(timezone.now()))
        return queryset


class WeekFilter(admin.SimpleListFilter):
    title = _("week shipped")
    parameter_name = "week"

    def lookups(self, request, model_admin):
        this = timeutil.week_monday(timeutil.local_date(timezone.now()))
        return [(timeutil.week_name(this - dt.timedelta(weeks=n)), timeutil.week_name(this - dt.timedelta(weeks=n)))
                for n in range(8)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            start, end = timeutil.week_bounds(timeutil.parse_week(self.value()))
        except ValueError:
            return queryset.none()
        return queryset.filter(shipped_at__gte=start, shipped_at__lt=end)


@admin.register(Shipment)
class ShipmentAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    export = SHIPMENTS
    list_display = ["id", "tracking_no", "store", "order", "official_logistics", "shipped_at", "deadline",
                    "picked_up_at", "on_time_flag", "follow_up"]
    list_filter = [("store", AutocompleteFilter), "shipped_at", OnTimeFilter, WeekFilter, "official_logistics"]
    search_fields = ["=tracking_no", "=order__id", "store__name"]
    list_select_related = ["store", "order"]

    def get_queryset(self, request):
        return shipments_with_on_time(super().get_queryset(request)).annotate(
            _follow_up=ExpressionWrapper(awaiting_follow_up_q(timezone.now()),
                                         output_field=BooleanField()))

    @admin.display(description=_("on time"), boolean=True, ordering="on_time")
    def on_time_flag(self, obj):
        return obj.on_time

    @admin.display(description=_("follow up"), boolean=True, ordering="_follow_up")
    def follow_up(self, obj):
        return obj._follow_up


class DisqualifiedFilter(admin.SimpleListFilter):
    title = _("disqualified")
    parameter_name = "disqualified"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=WeeklyResult.Status.DISQUALIFIED)
        if self.value() == "no":
            return queryset.exclude(status=WeeklyResult.Status.DISQUALIFIED)
        return queryset


class ResultWeekFilter(admin.SimpleListFilter):
    title = _("week")
    parameter_name = "week"

    def lookups(self, request, model_admin):
        weeks = WeeklyResult.objects.order_by("-week").values_list("week", flat=True).distinct()[:12]
        return [(w.isoformat(), timeutil.week_name(w)) for w in weeks]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(week=dt.date.fromisoformat(self.value()))
        except ValueError:
            return queryset.none()


class TierFilter(admin.SimpleListFilter):
    """The tiers offered are the policy's (a few rows), not a DISTINCT over every weekly result."""

    title = _("tier (per parcel)")
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        values = IncentiveTier.objects.order_by("per_parcel").values_list("per_parcel", flat=True).distinct()
        return [(str(v), yuan(v)) for v in values]

    def queryset(self, request, queryset):
        return queryset.filter(tier=self.value()) if self.value() else queryset


@admin.register(WeeklyResult)
class WeeklyResultAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, HistoryAdmin):
    export = WEEKLY_RESULTS
    list_display = ["store", "week_name", "daily_average", "on_time", "tier_shown", "parcels",
                    "amount_shown", "payout", "status"]
    on_time = percent_column("on_time_rate", _("on-time rate"))
    tier_shown = money_column("tier", _("tier (per parcel)"))  # ¥ per parcel: not money_field's shape
    amount_shown = money_column("amount", _("amount"))
    list_filter = [("store", AutocompleteFilter), ResultWeekFilter, TierFilter, DisqualifiedFilter, "status", "payout"]
    search_fields = ["store__name"]
    list_select_related = ["store"]
    # The result's page reads as the list does: the rate as a percentage, the tier in ¥ per parcel.
    fields = ["store", "week", "run", "counted_days", "orders", "on_time_orders", "daily_average", "on_time",
              "tier_shown", "parcels", "amount", "payout", "status", "settled_at", "clawed_back_at", "clawbacks"]
    readonly_fields = fields

    @admin.display(description=_("week"), ordering="week")
    def week_name(self, obj):
        return timeutil.week_name(obj.week)


class SettlementBatchInline(BoundedInlineMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = SettlementBatch
    max_shown = 100  # a run has stores ÷ batch size batches: 20 for 10,000 stores
    latest_first = ("number",)
    fields = ["number", "status", "stores", "parcels", "total", "dispatched_at", "dispatches", "finished_at", "error"]
    readonly_fields = fields
    extra = 0


class SettleWeekForm(forms.Form):
    week = forms.CharField(label=_("week"), max_length=8, help_text=_("ISO week, e.g. 2026-W47"))

    def clean_week(self):
        try:
            return timeutil.parse_week(self.cleaned_data["week"])
        except ValueError:
            raise forms.ValidationError(_("Week must look like 2026-W47."))


class AttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", _("failed or stuck"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(needs_attention_q(timezone.now()))
        return queryset


class StuckFilter(admin.SimpleListFilter):
    title = _("stuck")
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", _("stuck: no progress, batches lost with their worker"))]

    def queryset(self, request, queryset):
        return queryset.filter(_stuck=True) if self.value() == "yes" else queryset


@admin.register(SettlementRun)
class SettlementRunAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, HistoryAdmin):
    export = SETTLEMENT_RUNS
    list_display = ["id", "week_name", "status", "progress", "is_stuck", "started_at", "stores", "parcels",
                    "total_shown", "clawbacks", "has_errors"]
    total_shown = money_column("total", _("total paid"))
    list_filter = [AttentionFilter, StuckFilter, "status", "week", "started_at"]
    readonly_fields = ["week", "status", "started_at", "finished_at", "triggered", "batches_total",
                       "batches_done", "batches_failed", "stores", "parcels", "total", "clawbacks", "errors"]
    inlines = [SettlementBatchInline]
    exclude = ["triggered_by"]  # shown in words (`triggered`)

    @admin.display(description=_("triggered by"))
    def triggered(self, obj):
        return shown_reason(obj.triggered_by)  # "job: …", "admin: name", "seed_demo" in words
    actions = ["settle_again"]
    change_list_template = "admin/logistics/settlementrun/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            _errors=Case(When(errors="", then=Value(False)), default=Value(True), output_field=BooleanField()),
            _stuck=Exists(stuck_runs().filter(pk=OuterRef("pk"))))

    def changelist_view(self, request, extra_context=None):
        """The operators' worklist: a stuck run is named at the top until the watchdog rescues it."""
        stuck = stuck_runs().count()
        if stuck and request.method == "GET":
            self.message_user(request, ngettext(
                "%(n)s settlement run is stuck (no progress, its worker was lost); the watchdog queues its "
                "batches again every 5 minutes.",
                "%(n)s settlement runs are stuck (no progress, their worker was lost); the watchdog queues "
                "their batches again every 5 minutes.", stuck) % {"n": stuck}, messages.WARNING)
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("stuck"), boolean=True, ordering="_stuck")
    def is_stuck(self, obj):
        return obj._stuck

    @admin.display(description=_("week"), ordering="week")
    def week_name(self, obj):
        return obj.week_name

    @admin.display(description=_("progress"))
    def progress(self, obj):
        pct = 100 if not obj.batches_total else int(100 * obj.batches_done / obj.batches_total)
        return format_html('<progress max="100" value="{}"></progress> {}/{}', pct, obj.batches_done,
                           obj.batches_total)

    @admin.display(description=_("errors"), boolean=True, ordering="_errors")
    def has_errors(self, obj):
        return obj._errors

    def get_urls(self):
        return [path("settle-week/", self.admin_site.admin_view(self.settle_week_view),
                     name="logistics_settlementrun_settle_week"), *super().get_urls()]

    def _start(self, request, week):
        try:
            run = settlement_start(week=week, triggered_by=f"admin: {request.user.get_username()}")
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)
            return None
        if run.status == SettlementRun.Status.RUNNING:
            self.message_user(request, _("Settlement of %(week)s started: run %(id)s, %(n)s batches. Reload to "
                                         "follow its progress.")
                              % {"week": run.week_name, "id": run.pk, "n": run.batches_total})
        else:  # the workers were quick (or there was nothing to settle)
            self.message_user(request, _("Settlement of %(week)s %(status)s: %(stores)s stores, %(parcels)s parcels, "
                                         "%(total)s paid.")
                              % {"week": run.week_name, "status": run.get_status_display(), "stores": run.stores,
                                 "parcels": run.parcels, "total": yuan(run.total)},
                              messages.SUCCESS if run.status == SettlementRun.Status.SUCCEEDED else messages.WARNING)
        return run

    def settle_week_view(self, request):
        if not request.user.has_perm("logistics.add_settlementrun"):
            raise PermissionDenied
        form = SettleWeekForm(request.POST or None, initial={"week": timeutil.week_name(previous_week())})
        if request.method == "POST" and form.is_valid():
            self._start(request, form.cleaned_data["week"])
            return HttpResponseRedirect(reverse("admin:logistics_settlementrun_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
                   "title": _("Settle a week")}
        return TemplateResponse(request, "admin/logistics/settlementrun/settle_week.html", context)

    def has_settle_permission(self, request):
        return request.user.has_perm("logistics.add_settlementrun")

    @admin.action(description=_("Settle the selected runs' weeks again (stores not yet settled)"),
                  permissions=["settle"])
    def settle_again(self, request, queryset):
        for week in sorted(set(queryset.values_list("week", flat=True))):
            self._start(request, week)


@admin.register(AdCreditGrant)
class AdCreditGrantAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ["store", "week", "amount", "granted_at", "revoked_at"]
    list_filter = [("store", AutocompleteFilter), "week"]
    search_fields = ["store__name"]
    list_select_related = ["store"]

