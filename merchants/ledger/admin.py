from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.history import reference_link, text_with_links
from merchants.admin_base import AutocompleteFilter, LargeListAdmin, ReadOnlyAdminMixin
from merchants.admin_format import local_time, yuan
from merchants.exports import ExportAdminMixin

from .exports import LEDGER_ENTRIES
from .models import LedgerEntry

LATEST_ON_STORE_PAGE = 20


def latest_entries(store) -> str:
    """The store page shows its latest ledger entries and links to the whole ledger, instead of
    an inline that renders every entry (a store with 5,000 entries made a 7.6 MB page)."""
    entries = list(store.ledger_entries.order_by("-created_at", "-id")[:LEDGER_PAGE])
    url = reverse("admin:merchants_ledgerentry_changelist") + f"?store__id__exact={store.pk}"
    rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td style='text-align:right'>{}</td><td>{}</td>"
                            "<td>{}</td></tr>",
                            ((local_time(e.created_at), e.get_kind_display(), yuan(e.amount),
                              reference_link(e.reference), text_with_links(e.memo))
                             for e in entries[:LATEST_ON_STORE_PAGE]))
    more = (format_html('<a href="{}">{}</a>', url, _("all entries of this store →"))
            if len(entries) > LATEST_ON_STORE_PAGE else "")
    return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>{}",
                       _("created at"), _("kind"), _("amount"), _("reference"), _("memo"), rows, more)


LEDGER_PAGE = LATEST_ON_STORE_PAGE + 1  # one more than shown tells whether to link to the rest


@admin.register(LedgerEntry)
class LedgerEntryAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    export = LEDGER_ENTRIES
    list_display = ["id", "created_at", "store", "kind", "amount", "reference_shown", "memo_shown", "created_by"]
    fields = ["store", "kind", "amount", "reference_shown", "memo_shown", "idempotency_key", "created_at",
              "created_by"]
    readonly_fields = fields

    @admin.display(description=_("reference"), ordering="reference")
    def reference_shown(self, obj):
        return reference_link(obj.reference)  # "violation:4" as a link "违规 #4"

    @admin.display(description=_("memo"))
    def memo_shown(self, obj):
        return text_with_links(obj.memo)
    # References (order:42, refund_case:7) by any part of 3 characters or more (a trigram index,
    # merchants migration 0002), idempotency keys whole (their unique index), stores by name (decision 0034)
    search_fields = ["store__name", "reference", "idempotency_key__exact"]
    search_substring_min = 3
    list_select_related = ["store", "created_by"]
    list_filter = [("store", AutocompleteFilter), "created_at", "kind"]
