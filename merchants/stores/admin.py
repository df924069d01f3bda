from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config import timeutil
from merchants.admin_base import AutocompleteFilter, HistoryAdmin, LargeListAdmin, ReasonForm, form_action
from merchants.admin_format import local_time, money_column, yuan
from merchants.credit.admin import render_advice, render_score
from merchants.credit.advisor import credit_advice
from merchants.credit.selectors import latest_evaluation, store_credit
from merchants.credit.services import reevaluate_stores
from merchants.exports import ExportAdminMixin
from merchants.ledger.admin import latest_entries
from merchants.ledger.selectors import with_wallet_balance
from merchants.violations.models import Sanction
from merchants.violations.selectors import sanction_until_subquery, stores_under_sanction_q

from .exports import STORES
from .models import Category, Product, Store
from .services import store_grade_set, store_reactivate, store_suspend, store_wallet_set


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # stores and products point at it

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
            return queryset.filter(stores_under_sanction_q(self.value())).distinct()
        return queryset


class GradeForm(ReasonForm):
    # no grade chosen in advance: the operator picks the new one (the current one is shown above)
    grade = forms.ChoiceField(label=_("new grade"), choices=[("", "---------"), *Store.Grade.choices])
    field_order = ["grade", "reason"]


class ConfirmForm(forms.Form):
    """A confirmation with nothing to fill in."""


def store_facts(store):
    """What an operator needs to see before changing a store: its grade, status and wallet."""
    rows = [(_("store"), store), (_("current grade"), store.get_grade_display()),
            (_("status"), store.get_status_display()),
            (_("wallet upgraded (安心钱包)"), _("yes") if store.wallet_upgraded else _("no"))]
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def evaluation_facts(store):
    ev = latest_evaluation(store=store)
    month = timeutil.previous_month()
    rows = [(_("store"), store), (_("month to evaluate"), month.strftime("%Y-%m")),
            (_("latest evaluation"), f"{ev.month:%Y-%m} · S = {ev.score} · {yuan(ev.base_limit)}" if ev
             else _("not evaluated yet"))]
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


@admin.register(Store)
class StoreAdmin(LargeListAdmin, ExportAdminMixin, HistoryAdmin):
    """Stores are created by platform services (POST /platform/stores/, which issues the owner's
    token); operators edit the profile here, and grade and status only through actions."""

    export = STORES

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ["id", "name", "owner", "city", "grade", "status", "wallet_upgraded", "base_limit_shown",
                    "balance", "restrictions"]
    base_limit_shown = money_column("base_limit", _("base credit limit"))
    list_filter = ["grade", "status", "wallet_upgraded", SanctionFilter, "main_category", "created_at"]
    search_fields = ["name", "city", "owner__username"]
    autocomplete_fields = ["owner", "main_category"]
    filter_horizontal = ["members"]
    list_select_related = ["owner"]
    readonly_fields = ["base_limit_shown", "balance", "credit_summary", "restrictions", "score_breakdown", "advice",
                       "ledger", "created_at"]
    exclude = ["base_limit"]  # shown as ¥ (base_limit_shown); set only by the credit evaluation

    @admin.display(description=_("wallet ledger (latest first)"))
    def ledger(self, obj):
        return latest_entries(obj) if obj.pk else "—"

    def get_queryset(self, request):
        if getattr(request.resolver_match, "url_name", None) == "autocomplete":
            # the store search of every list's store filter shows names only: no balance or
            # sanctions to compute (the balance sums a busy store's whole ledger)
            return super().get_queryset(request)
        now = timezone.now()
        qs = with_wallet_balance(super().get_queryset(request))
        return qs.annotate(**{f"{kind}_until": sanction_until_subquery(kind, now) for kind in Sanction.Kind.values})

    actions = ["reevaluate_credit", "suspend", "reactivate", "set_grade", "upgrade_wallet", "withdraw_wallet"]

    def get_readonly_fields(self, request, obj=None):
        # Grade, status and the wallet flag (it gates pay-later) change only through the actions
        # below (a reason, a history row); a new store starts with the grade chosen here.
        fields = list(super().get_readonly_fields(request, obj))
        return fields + (["grade", "status", "wallet_upgraded"] if obj is not None else ["status"])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "owner" and field is not None and hasattr(field.widget, "can_delete_related"):
            # the owner is a login with the store's token: never deleted or swapped from here
            field.widget.can_delete_related = field.widget.can_add_related = False
            field.widget.can_change_related = False
        return field

    @admin.action(description=_("Record the wallet (安心钱包) as upgraded (reason)…"), permissions=["change"])
    def upgrade_wallet(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Record wallet upgrade"),
                           submit_label=_("Record as upgraded"), facts=store_facts,
                           apply=lambda s, d: store_wallet_set(store_id=s.pk, upgraded=True, reason=d["reason"],
                                                               user=request.user))

    @admin.action(description=_("Withdraw the wallet (安心钱包) upgrade (reason)…"), permissions=["change"])
    def withdraw_wallet(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Withdraw wallet upgrade"),
                           submit_label=_("Withdraw upgrade"), facts=store_facts,
                           apply=lambda s, d: store_wallet_set(store_id=s.pk, upgraded=False, reason=d["reason"],
                                                               user=request.user))

    @admin.action(description=_("Suspend (reason)…"), permissions=["change"])
    def suspend(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Suspend stores"),
                           submit_label=_("Suspend"), facts=store_facts,
                           apply=lambda s, d: store_suspend(store_id=s.pk, reason=d["reason"], user=request.user))

    @admin.action(description=_("Reactivate (reason)…"), permissions=["change"])
    def reactivate(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Reactivate stores"),
                           submit_label=_("Reactivate"), facts=store_facts,
                           apply=lambda s, d: store_reactivate(store_id=s.pk, reason=d["reason"], user=request.user))

    @admin.action(description=_("Set grade (reason)…"), permissions=["change"])
    def set_grade(self, request, queryset):
        return form_action(self, request, queryset, form_class=GradeForm, title=_("Set store grade"),
                           submit_label=_("Set grade"), facts=store_facts,
                           apply=lambda s, d: store_grade_set(store_id=s.pk, grade=d["grade"], reason=d["reason"],
                                                              user=request.user))

    @admin.action(description=_("Re-evaluate credit for the last closed month…"), permissions=["change"])
    def reevaluate_credit(self, request, queryset):
        """A confirmation first (it rewrites the month's evaluation and may move base limits)."""
        if "apply" not in request.POST:
            return form_action(self, request, queryset, form_class=ConfirmForm,
                               title=_("Re-evaluate credit for the last closed month"),
                               submit_label=_("Re-evaluate"), facts=evaluation_facts, apply=None)
        month = timeutil.previous_month()
        ids = list(queryset.values_list("pk", flat=True))
        reevaluate_stores(store_ids=ids, month=month)  # with the risk self-check, as the monthly job
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
        return format_html('<span style="color:{}">{}</span>', colour, yuan(value))

    @admin.display(description=_("credit"))
    def credit_summary(self, obj):
        if not obj.pk:
            return "-"
        c = store_credit(store=obj)
        return format_html(
            "{}: {} · {}: {} · {}: {} · {}: {} · {}: {}",
            _("base"), yuan(c.base_limit), _("effective"), yuan(c.effective_limit),
            _("exposure"), yuan(c.exposure), _("available"), yuan(c.available),
            _("frozen until"), local_time(c.frozen_until))

    @admin.display(description=_("credit score (latest evaluation)"))
    def score_breakdown(self, obj):
        ev = latest_evaluation(store=obj) if obj.pk else None
        if ev is None:
            return _("not evaluated yet")
        return render_score(ev)


    @admin.display(description=_("credit advisor"))
    def advice(self, obj):
        return render_advice(credit_advice(store=obj) if obj.pk else None)


@admin.register(Product)
class ProductAdmin(LargeListAdmin, HistoryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # orders and activity items point at it; unlist it instead

    list_display = ["id", "title", "store", "category", "price", "listed"]
    list_filter = [("store", AutocompleteFilter), "listed", "category", "created_at"]
    search_fields = ["title", "store__name"]
    autocomplete_fields = ["store", "category"]
    list_select_related = ["store", "category"]
