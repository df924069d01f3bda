from django.contrib import admin

from merchants.admin_base import AutocompleteFilter, HistoryAdmin, LargeListAdmin, ReadOnlyAdminMixin
from merchants.exports import ExportAdminMixin

from .exports import ORDERS
from .models import Order


@admin.register(Order)
class OrderAdmin(LargeListAdmin, ExportAdminMixin, ReadOnlyAdminMixin, HistoryAdmin):
    """Orders are pushed by the platform's order service and moved by the pay-later and refund
    services: read-only here."""

    export = ORDERS

    list_display = ["id", "store", "product", "buyer_id", "amount", "fee", "payment_method", "channel", "status",
                    "paid_at"]
    list_filter = [("store", AutocompleteFilter), "paid_at", "payment_method", "channel", "status"]
    search_fields = ["=id", "buyer_id__exact", "store__name"]
    raw_id_fields = ["store", "product"]
    list_select_related = ["store", "product"]
