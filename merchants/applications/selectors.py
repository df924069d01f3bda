"""Reads for limit-increase applications: activation volume and the limit an approved
application gives at a moment (2次10%的流水激活, SPEC §1). Pure reads."""
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce

from config.money import ZERO, money
from merchants.orders.models import Order

from .models import CreditApplication


def _volume_orders(app: CreditApplication):
    return _orders_after(store_id=app.store_id, decided_at=app.decided_at)


def _orders_after(*, store_id, decided_at):
    """Pay-later orders of the store paid after approval, not cancelled (read from
    merchants.Order, so it works with or without the pay-later app)."""
    return (Order.objects.filter(store_id=store_id, payment_method=Order.PaymentMethod.PAYLATER,
                                 paid_at__gt=decided_at)
            .exclude(status=Order.Status.CANCELLED))


def activation_volume(app: CreditApplication) -> Decimal:
    if app.status != CreditApplication.Status.APPROVED:
        return ZERO
    return _volume_orders(app).aggregate(total=Sum("amount"))["total"] or ZERO


def with_activation_volume(queryset):
    """Annotates `activation_volume` (as `activation_volume()` gives it) on a page of
    applications in the same query, so a list does not sum orders once per row."""
    total = (_orders_after(store_id=OuterRef("store_id"), decided_at=OuterRef("decided_at"))
             .order_by().values("store_id").annotate(total=Sum("amount")).values("total"))
    money_out = DecimalField(max_digits=14, decimal_places=2)
    volume = Coalesce(Subquery(total, output_field=money_out), Value(ZERO), output_field=money_out)
    return queryset.annotate(activation_volume=volume)


def volume_crossed_at(app: CreditApplication, threshold: Decimal):
    """When the running pay-later volume since approval first reached `threshold`."""
    if threshold <= 0:
        return app.decided_at
    running = _volume_orders(app).annotate(
        running=Window(Sum("amount"), order_by=[F("paid_at").asc(), F("id").asc()]))
    return (running.filter(running__gte=threshold).order_by("paid_at", "id").values_list("paid_at", flat=True)
            .first())


def raised_level(app: CreditApplication, at) -> Decimal | None:
    """The limit this approved application gives at `at`, or None before its first step."""
    if app.step2_at and app.step2_at <= at:
        return app.granted_limit
    if app.step1_at and app.step1_at <= at:
        half = money(app.increase / 2)
        return app.effective_limit_at_approval + half
    return None
