from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from merchants.admin_base import ReadOnlyAdminMixin

from .models import LedgerEntry


class LedgerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = LedgerEntry
    fields = ["created_at", "kind", "amount", "reference", "memo", "created_by"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]
    extra = 0
    max_num = 0
    show_change_link = False
    verbose_name_plural = _("wallet ledger (latest first)")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "created_at", "store", "kind", "amount", "reference", "memo", "created_by"]
    list_filter = ["kind"]
    search_fields = ["store__name", "reference", "idempotency_key"]
    list_select_related = ["store", "created_by"]
    date_hierarchy = "created_at"
