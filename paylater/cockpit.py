"""What pay-later puts on the operators' first page (see `merchants.cockpit`)."""
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merchants.cockpit import WorkItem

from .models import InvoiceRequest, Refusal, RefusalCode


def worklist() -> list[WorkItem]:
    # SPEC §6: stores that lost orders to the limit in the last 24 hours, one row per store in the
    # linked list (the refusal admin's "one per store" and "last 24 hours" filters).
    lost = Refusal.objects.filter(code=RefusalCode.CREDIT_LIMIT_EXCEEDED,
                                  at__gte=timezone.now() - dt.timedelta(hours=24))
    per_store = lost.filter(pk__in=lost.order_by("store_id", "-at", "-id").distinct("store_id").values("pk"))
    return [WorkItem(_("Invoice requests to issue"), "paylater.invoicerequest", {"status__exact": "requested"},
                     InvoiceRequest.objects.filter(status=InvoiceRequest.Status.REQUESTED),
                     oldest_field="requested_at"),
            WorkItem(_("Stores that lost pay-later orders to the limit (24 h)"), "paylater.refusal",
                     {"code__exact": RefusalCode.CREDIT_LIMIT_EXCEEDED.value, "period": "24h", "per_store": "latest"},
                     per_store)]
