"""Reads for orders: exposure, the part of pay-later orders that still uses the credit limit."""
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from config.money import ZERO

from .models import EXPOSURE_Q, Order

EXPOSED_STATUSES = (Order.Status.PLACED, Order.Status.RECEIPT_CONFIRMED)


def exposure_q() -> Q:
    """Pay-later orders that still use the limit: placed, receipt-confirmed, or advanced by
    the platform and not yet recovered (SPEC §2)."""
    return EXPOSURE_Q  # also the condition of the partial index order_store_exposure


def store_exposure(*, store_id: int) -> Decimal:
    return Order.objects.filter(exposure_q(), store_id=store_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO))["total"]
