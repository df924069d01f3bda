from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Order


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["id", "store", "product", "buyer_id", "amount", "fee", "payment_method", "channel", "status",
                    "paid_at"]
    list_filter = ["payment_method", "channel", "status"]
    search_fields = ["=id", "buyer_id", "store__name"]
    raw_id_fields = ["store", "product"]
    list_select_related = ["store", "product"]
    date_hierarchy = "paid_at"
    # The lifecycle moves only through the platform's API (config.states), never by editing here.
    readonly_fields = ["status"]

    def has_delete_permission(self, request, obj=None):
        return False
