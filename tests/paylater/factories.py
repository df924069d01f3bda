"""Pay-later factories (shared ones live in tests/factories.py)."""
import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from paylater.models import Activity, ActivityItem, Enrollment
from tests.factories import ProductFactory, StoreFactory


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
