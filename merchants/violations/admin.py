from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import (
    AutocompleteFilter,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    ReasonForm,
    form_action,
)
from merchants.admin_format import money_column, time_column
from merchants.exports import ExportAdminMixin

from . import admin_facts as facts
from .exports import VIOLATIONS
from .import_admin import ViolationImportMixin
from .models import PenaltyRule, Sanction, Violation
from .services import violation_confirm, violation_dismiss, violation_open, violation_revoke


class NoteForm(forms.Form):
    note = forms.CharField(label=_("note"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class SanctionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Sanction
    fields = ["kind", "starts_at", "ends_at", "revoked_at"]
    readonly_fields = fields
    extra = 0


@admin.register(Violation)
class ViolationAdmin(LargeListAdmin, ViolationImportMixin, ExportAdminMixin, HistoryAdmin):
    export = VIOLATIONS
    list_display = ["id", "store", "kind", "status", "occurred", "confirmed", "fine"]
    list_filter = [("store", AutocompleteFilter), "occurred_at", "kind", "status"]
    # Reference and detail by any part: from 3 characters through their trigram indexes (migration
    # 0020); a 2-character term (发货, 虚假) is a real search in Chinese detail text, so it is still
    # looked for, by a scan. Stores by name (decision 0034).
    search_fields = ["store__name", "reference", "detail"]
    autocomplete_fields = ["store"]
    list_select_related = ["store"]
    readonly_fields = ["status", "confirmed_at", "decided_at", "decision_note", "penalty_applied", "revoked_at",
                       "revoke_reason", "dedup_key", "detected_by", "created_at"]
    fields = ["store", "kind", "occurred_at", "reference", "detail", *readonly_fields]
    inlines = [SanctionInline]
    actions = ["confirm", "dismiss", "revoke"]
    occurred = time_column("occurred_at", _("occurred at"))
    confirmed = time_column("confirmed_at", _("confirmed at"))
    fine = money_column("fine_amount", _("fine"))

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.pk:  # what was found is fixed once opened; decisions go through actions
            # the detail may be completed while the violation waits for review, not after its decision
            decided = ["detail"] if obj.status != Violation.Status.PENDING_REVIEW else []
            return ["store", "kind", "occurred_at", "reference", *decided, *self.readonly_fields]
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

    def has_change_permission(self, request, obj=None):
        # a decided violation has nothing left to edit: no Save over read-only fields
        if obj is not None and obj.status != Violation.Status.PENDING_REVIEW:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("penalty applied"))
    def penalty_applied(self, obj):
        return facts.penalty_summary(obj)

    @admin.action(description=_("Confirm (apply the penalty)…"), permissions=["change"])
    def confirm(self, request, queryset):
        return form_action(self, request, queryset.select_related("store"), form_class=NoteForm,
                           title=_("Confirm violations"), submit_label=_("Confirm"), facts=facts.preview_facts,
                           effect=facts.confirmed_effect,
                           apply=lambda v, d: violation_confirm(violation_id=v.pk, user=request.user, note=d["note"]))

    @admin.action(description=_("Dismiss (apply nothing)…"), permissions=["change"])
    def dismiss(self, request, queryset):
        return form_action(self, request, queryset.select_related("store"), form_class=NoteForm,
                           title=_("Dismiss violations"), submit_label=_("Dismiss"), facts=facts.preview_facts,
                           effect=facts.dismissed_effect,
                           apply=lambda v, d: violation_dismiss(violation_id=v.pk, user=request.user, note=d["note"]))

    @admin.action(description=_("Revoke (reverse the penalty)…"), permissions=["change"])
    def revoke(self, request, queryset):
        return form_action(self, request, queryset.select_related("store"), form_class=ReasonForm,
                           title=_("Revoke violations"), submit_label=_("Revoke"), facts=facts.applied_facts,
                           effect=facts.revoked_effect,
                           apply=lambda v, d: violation_revoke(violation_id=v.pk, reason=d["reason"],
                                                               user=request.user))


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(HistoryAdmin):
    list_display = ["kind", "fine_rate", "freeze_days", "raise_ban_months", "paylater_suspension_months",
                    "grade_effect", "forfeits_logistics_incentive"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

