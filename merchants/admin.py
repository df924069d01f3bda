import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Max, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.api.errors import DomainError
from merchants.admin_policy import ReadOnlyAdminMixin, SingletonPolicyAdmin
from merchants.api.views import with_wallet_balance
from merchants.models import (Category, CreditApplication, CreditApplicationPolicy, CreditEvaluation, CreditIndicator,
                              CreditScorePolicy, Dimension, Holiday, LedgerEntry, Order, PenaltyRule, Product,
                              Sanction, Store, StoreMetrics, Violation)
from merchants.selectors import sanctions_in_force_q, store_credit
from merchants.services import violation_open
from merchants.violations import penalty_preview, violation_confirm, violation_dismiss, violation_revoke


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
        return [(Sanction.Kind.CREDIT_FREEZE, _("frozen now")),
                (Sanction.Kind.PAYLATER_SUSPENSION, _("pay-later suspended now")),
                (Sanction.Kind.RAISE_BAN, _("raise banned now"))]

    def queryset(self, request, queryset):
        if self.value() in Sanction.Kind.values:
            return queryset.filter(sanctions_in_force_q(self.value(), timezone.now())).distinct()
        return queryset


@admin.register(Store)
class StoreAdmin(SimpleHistoryAdmin):
    list_display = ["id", "name", "owner", "city", "grade", "status", "wallet_upgraded", "base_limit",
                    "balance", "restrictions"]
    list_filter = ["grade", "status", "wallet_upgraded", SanctionFilter, "main_category"]
    search_fields = ["name", "city", "owner__username"]
    autocomplete_fields = ["owner", "main_category"]
    filter_horizontal = ["members"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = ["base_limit", "balance", "credit_summary", "restrictions", "score_breakdown", "created_at"]
    inlines = [LedgerInline]

    def get_queryset(self, request):
        now = timezone.now()
        qs = with_wallet_balance(super().get_queryset(request))
        return qs.annotate(**{f"{kind}_until": Subquery(
            Sanction.objects.filter(store=OuterRef("pk"), kind=kind, revoked_at__isnull=True, starts_at__lte=now,
                                    ends_at__gt=now).order_by().values("store").annotate(end=Max("ends_at"))
            .values("end")) for kind in Sanction.Kind.values})

    actions = ["reevaluate_credit"]

    @admin.action(description=_("Re-evaluate credit for the last closed month"))
    def reevaluate_credit(self, request, queryset):
        from config.timeutil import previous_month
        from merchants.credit import evaluate_stores

        month = previous_month()
        ids = list(queryset.values_list("pk", flat=True))
        evaluate_stores(store_ids=ids, month=month)
        self.message_user(request, _("%(n)s stores evaluated for %(month)s.")
                          % {"n": len(ids), "month": month.strftime("%Y-%m")}, messages.SUCCESS)

    @admin.display(description=_("restrictions now"))
    def restrictions(self, obj):
        parts = [(label, timezone.localtime(getattr(obj, f"{kind}_until")).strftime("%Y-%m-%d"))
                 for kind, label in Sanction.Kind.choices if getattr(obj, f"{kind}_until", None)]
        if not parts:
            return "—"
        return format_html_join(", ", '<span style="color:#b00">{} → {}</span>', parts)

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


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def form_action(modeladmin, request, queryset, *, form_class, title, submit_label, apply):
    """An admin action with an intermediate form (reason, granted limit…). `apply(obj, data)`
    calls a service; a refusal on one object is reported and the others continue."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)
        return None
    context = {**modeladmin.admin_site.each_context(request), "title": title, "objects": list(queryset),
               "form": form, "opts": modeladmin.model._meta, "submit_label": submit_label,
               "action": request.POST.get("action")}
    return TemplateResponse(request, "admin/merchants/action_form.html", context)


def run_service(modeladmin, request, queryset, fn):
    done = 0
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)


@admin.register(Violation)
class ViolationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "store", "kind", "status", "occurred_at", "confirmed_at", "fine_amount", "detected_by"]
    list_filter = ["kind", "status"]
    search_fields = ["store__name", "reference", "detail"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]
    date_hierarchy = "occurred_at"
    readonly_fields = ["status", "confirmed_at", "decided_at", "decision_note", "penalty_applied", "revoked_at",
                       "revoke_reason", "dedup_key", "detected_by", "created_at"]
    fields = ["store", "kind", "occurred_at", "reference", "detail", *readonly_fields]
    inlines = [SanctionInline]
    actions = ["confirm", "dismiss", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.pk:  # what was found is fixed once opened; decisions go through actions
            return ["store", "kind", "occurred_at", "reference", *self.readonly_fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj._change_reason = "edited detail"
            return super().save_model(request, obj, form, change)
        created, _new = violation_open(store=obj.store, kind=obj.kind, occurred_at=obj.occurred_at,
                                       detected_by=f"operator:{request.user.username}", reference=obj.reference,
                                       detail=obj.detail)
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("penalty applied"))
    def penalty_applied(self, obj):
        if not obj.penalty:
            if obj.pk and obj.status == Violation.Status.PENDING_REVIEW:
                p = penalty_preview(obj)
                return format_html("{} {}: {} · {}: {} · {}: {} · {}: {} · {}: {}", _("if confirmed now"),
                                   _("fine"), f"{p['fine']:.2f}", _("freeze days"), p["freeze_days"],
                                   _("no raise (months)"), p["raise_ban_months"],
                                   _("pay-later suspended (months)"), p["paylater_suspension_months"],
                                   _("grade"), p["grade_effect"])
            return "—"
        return format_html_join(" · ", "{}: {}", ((k, v) for k, v in obj.penalty.items() if v not in (None, "")))

    @admin.action(description=_("Confirm (apply the penalty)"))
    def confirm(self, request, queryset):
        run_service(self, request, queryset,
                    lambda v: violation_confirm(violation_id=v.pk, user=request.user))

    @admin.action(description=_("Dismiss (apply nothing)"))
    def dismiss(self, request, queryset):
        run_service(self, request, queryset,
                    lambda v: violation_dismiss(violation_id=v.pk, user=request.user))

    @admin.action(description=_("Revoke (reverse the penalty)…"))
    def revoke(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Revoke violations"),
                           submit_label=_("Revoke"),
                           apply=lambda v, d: violation_revoke(violation_id=v.pk, reason=d["reason"],
                                                               user=request.user))


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "fine_rate", "freeze_days", "raise_ban_months", "paylater_suspension_months",
                    "grade_effect", "forfeits_logistics_incentive"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        for kind in Violation.Kind.values:
            PenaltyRule.for_kind(kind)
        return super().changelist_view(request, extra_context)


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


# --- limit-increase applications -----------------------------------------------------------------
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
class CreditApplicationAdmin(SimpleHistoryAdmin):
    list_display = ["id", "store", "status", "requested_limit", "recommendation", "suggested_limit",
                    "submitted_at", "due", "granted_limit", "step1_at", "step2_at"]
    list_filter = ["status", OverdueFilter, "recommendation"]
    search_fields = ["store__name", "=id"]
    list_select_related = ["store"]
    date_hierarchy = "submitted_at"
    ordering = ["status", "due_at"]
    fields = ["store", "status", "requested_limit", "licence", "legal_rep_id", "bank", "operating_data_table",
              "submitted_at", "due", "effective_limit_at_submission", "recommendation", "suggested_limit",
              "assessment_notes", "decided_at", "decided_by", "granted_limit", "reject_reason",
              "effective_limit_at_approval", "activation", "step1_at", "step2_at"]
    readonly_fields = fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False  # merchants apply through the API

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # actions only

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
        text = timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")
        if obj.status == CreditApplication.Status.PENDING and obj.due_at <= timezone.now():
            return format_html('<strong style="color:#fff;background:#b00;padding:0 4px">{} {}</strong>',
                               _("OVERDUE"), text)
        return text

    @admin.display(description=_("last 3 months"))
    def operating_data_table(self, obj):
        return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                           _("month"), _("sales"), _("DSR"), _("score"),
                           format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                            ((r["month"], r["monthly_sales"], r["dsr_score"] or "—",
                                              r["score"] or "—") for r in obj.operating_data)))

    @admin.display(description=_("activation"))
    def activation(self, obj):
        if obj.status != CreditApplication.Status.APPROVED:
            return "—"
        from merchants.applications import activation_volume, refresh_activation

        refresh_activation(obj)
        policy = CreditApplicationPolicy.current()
        return format_html("{}: {} · {}: {} / {} / {}", _("increase"), f"{obj.increase:.2f}",
                           _("pay-later volume since approval"), f"{activation_volume(obj):.2f}",
                           f"{obj.increase * policy.activation_step1_rate:.2f}",
                           f"{obj.increase * policy.activation_step2_rate:.2f}")

    @admin.action(description=_("Approve (granted limit)…"))
    def approve(self, request, queryset):
        from merchants.applications import application_approve

        return form_action(self, request, queryset, form_class=ApproveForm, title=_("Approve applications"),
                           submit_label=_("Approve"),
                           apply=lambda a, d: application_approve(
                               application_id=a.pk, granted_limit=d["granted_limit"] or a.suggested_limit,
                               note=d["note"], user=request.user))

    @admin.action(description=_("Reject (reason)…"))
    def reject(self, request, queryset):
        from merchants.applications import application_reject

        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Reject applications"),
                           submit_label=_("Reject"),
                           apply=lambda a, d: application_reject(application_id=a.pk, reason=d["reason"],
                                                                 user=request.user))


@admin.register(CreditApplicationPolicy)
class CreditApplicationPolicyAdmin(SingletonPolicyAdmin):
    pass


@admin.register(Holiday)
class HolidayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "name", "working_day"]
    list_filter = ["working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"
