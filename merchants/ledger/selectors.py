"""Reads for the wallet: the balance is the sum of ledger entries — there is no balance column."""
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from config.money import ZERO

from .models import LedgerEntry


def wallet_balance(*, store_id: int) -> Decimal:
    """The balance is the sum of ledger entries — there is no balance column."""
    return LedgerEntry.objects.filter(store_id=store_id).aggregate(
        total=Coalesce(Sum("amount"), ZERO))["total"]



def with_wallet_balance(queryset):
    """Annotate each store with its balance in the same query (fixed query count in lists)."""
    total = (LedgerEntry.objects.filter(store=OuterRef("pk")).order_by().values("store")
             .annotate(total=Sum("amount")).values("total"))
    return queryset.annotate(wallet_balance=Coalesce(Subquery(total), Value(ZERO),
                                                     output_field=DecimalField(max_digits=14, decimal_places=2)))
