"""Refund test helpers: cases are opened through the service, as the platform would."""
import datetime as dt
from decimal import Decimal

import factory

from config import timeutil
from refunds import services
from refunds.models import Negotiation, RefundCase, RefundReason, RefundRules, RefundType
from tests.factories import CategoryFactory, OrderFactory, ProductFactory, StoreFactory

# A Friday morning in the platform time zone; tests travel from here.
T0 = timeutil.local_at(dt.date(2026, 11, 20), 10)


def order_for(store, *, amount="99.00", paid_at=None, fresh=False, **kwargs):
    product = ProductFactory(store=store, category=CategoryFactory(is_fresh=fresh))
    return OrderFactory(product=product, store=store, amount=Decimal(amount),
                        paid_at=paid_at or T0 - dt.timedelta(days=1), **kwargs)


def open_case(store=None, *, order=None, type="return_refund", reason="damaged", amount=None, opened_at=None,
              shipped=True, **order_kwargs):
    order = order or order_for(store, **order_kwargs)
    return services.refund_case_open(order=order, type=type, reason=reason,
                                     amount=Decimal(amount) if amount is not None else order.amount,
                                     opened_at=opened_at or T0, shipped=shipped)


def rules_for(store, **values):
    rules, _ = RefundRules.objects.update_or_create(store=store, defaults=values)
    return rules


class RefundCaseFactory(factory.django.DjangoModelFactory):
    """A pending case written directly (no automation rules); `open_case` goes through the service."""

    class Meta:
        model = RefundCase

    order = factory.LazyAttribute(lambda o: order_for(o.store))
    store = factory.SubFactory(StoreFactory)
    buyer_id = factory.SelfAttribute("order.buyer_id")
    type = RefundType.RETURN_REFUND
    reason = RefundReason.DAMAGED
    amount = factory.SelfAttribute("order.amount")
    requested_type = factory.SelfAttribute("type")
    requested_amount = factory.SelfAttribute("amount")
    shipped = True
    shipped_flag = True
    opened_at = T0
    merchant_deadline = factory.LazyAttribute(lambda o: o.opened_at + dt.timedelta(hours=36))


class NegotiationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Negotiation

    case = factory.SubFactory(RefundCaseFactory)
    type = RefundType.REFUND_ONLY
    amount = factory.LazyAttribute(lambda o: o.case.amount / 2)
    proposed_at = factory.LazyAttribute(lambda o: o.case.opened_at + dt.timedelta(hours=1))
    expires_at = factory.LazyAttribute(lambda o: o.proposed_at + dt.timedelta(hours=35))
