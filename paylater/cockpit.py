"""What pay-later puts on the operators' first page (see `merchants.cockpit`)."""
from django.utils.translation import gettext_lazy as _

from merchants.cockpit import WorkItem

from .models import InvoiceRequest


def worklist() -> list[WorkItem]:
    return [WorkItem(_("Invoice requests to issue"), "paylater.invoicerequest", {"status__exact": "requested"},
                     InvoiceRequest.objects.filter(status=InvoiceRequest.Status.REQUESTED),
                     oldest_field="requested_at")]
