"""Operators decide appeals (SPEC §5) from a confirmation page with a reason; the appeal itself
is the merchant's record and read-only here."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import (
    AutocompleteFilter,
    HistoryAdmin,
    LargeListAdmin,
    ReadOnlyAdminMixin,
    ReasonForm,
    SingletonPolicyAdmin,
    form_action,
)

from .appeals import appeal_overturn, appeal_uphold
from .models import Appeal, AppealPolicy


@admin.register(Appeal)
class AppealAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    list_display = ["id", "store", "violation", "status", "submitted_at", "decided_at"]
    list_filter = [("store", AutocompleteFilter), "submitted_at", "status", "violation__kind"]
    search_fields = ["store__name", "statement"]
    list_select_related = ["store", "violation__store"]
    fields = ["violation", "store", "status", "statement", "submitted_at", "decision_note", "decided_at"]
    readonly_fields = fields
    actions = ["uphold", "overturn"]

    def has_change_permission(self, request, obj=None):
        # The actions need the change permission; the form itself stays read-only.
        return request.user.has_perm("merchants.change_appeal")

    @admin.action(description=_("Uphold (the violation stands)…"), permissions=["change"])
    def uphold(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm, title=_("Uphold appeals"),
                           submit_label=_("Uphold"),
                           apply=lambda a, d: appeal_uphold(appeal_id=a.pk, reason=d["reason"], user=request.user))

    @admin.action(description=_("Overturn (revoke the violation)…"), permissions=["change"])
    def overturn(self, request, queryset):
        return form_action(self, request, queryset, form_class=ReasonForm,
                           title=_("Overturn appeals: the violations are revoked"), submit_label=_("Overturn"),
                           apply=lambda a, d: appeal_overturn(appeal_id=a.pk, reason=d["reason"],
                                                              user=request.user))


@admin.register(AppealPolicy)
class AppealPolicyAdmin(SingletonPolicyAdmin):
    fields = ["window_days"]
