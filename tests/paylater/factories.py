"""Pay-later factories (shared ones live in tests/factories.py)."""
import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from merchants.models import Order
from paylater.models import Activity, ActivityItem, Enrollment, FeeRate, FeeStatement, InvoiceRequest, Refusal
from tests.factories import OrderFactory, ProductFactory, StoreFactory


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    store = factory.SubFactory(StoreFactory, base_limit=Decimal("10000.00"))
    status = Enrollment.Status.ACTIVE
    attempts = 1
    last_attempt_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=30))
    enrolled_at = factory.SelfAttribute("last_attempt_at")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Activity {n}")
    duration = Activity.Duration.LONG_TERM
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=400 * 6))
    ends_at = None


class ActivityItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActivityItem

    activity = factory.SubFactory(ActivityFactory)
    product = factory.SubFactory(ProductFactory, store=factory.SelfAttribute("..activity.store"))


class PaylaterOrderFactory(OrderFactory):
    payment_method = Order.PaymentMethod.PAYLATER
    status = Order.Status.PLACED
    fee = Decimal("0.99")


def _months_back(n):
    year, month = divmod(2026 * 12 + 9 - n, 12)
    return dt.date(year, month + 1, 1)


class FeeStatementFactory(factory.django.DjangoModelFactory):
    """A closed month's statement; months go back from 2026-10 (one per store and month)."""

    class Meta:
        model = FeeStatement

    store = factory.SubFactory(StoreFactory)
    month = factory.Sequence(_months_back)
    order_count = 10
    fee_total = Decimal("9.90")


class InvoiceRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceRequest

    statement = factory.SubFactory(FeeStatementFactory)
    title = "某某商贸有限公司"
    tax_id = "91420100MA4KXYZ12Q"


class FeeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeRate

    name = factory.Sequence(lambda n: f"Fee rate {n}")
    rate = Decimal("0.0100")
    starts_on = factory.Sequence(lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=n))
    ends_on = factory.SelfAttribute("starts_on")


def paylater_store(*, base_limit=Decimal("10000.00"), **kwargs):
    """An enrolled store with a credit limit."""
    store = StoreFactory(base_limit=base_limit, **kwargs)
    EnrollmentFactory(store=store)
    return store


def paylater_product(store, *, price=Decimal("99.00"), **kwargs):
    """A product of `store` in a long-term activity that started long ago."""
    item = ActivityItemFactory(activity=ActivityFactory(store=store),
                               product=ProductFactory(store=store, price=price, **kwargs))
    return item.product


class RefusalFactory(factory.django.DjangoModelFactory):
    """A refused pay-later order (SPEC §6), over the limit by default."""

    class Meta:
        model = Refusal

    store = factory.SubFactory(StoreFactory)
    amount = Decimal("300.00")
    code = "credit_limit_exceeded"
    available = Decimal("120.00")
    buyer_id = factory.Sequence(lambda n: f"buyer-{n}")
    at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
