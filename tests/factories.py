"""factory_boy factories shared by every app's tests."""
import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from config.models import ApiToken
from merchants.models import Category, LedgerEntry, Order, Product, Store, StoreMetrics, Violation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"merchant{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    is_fresh = False
    paylater_excluded = False


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Store {n}")
    owner = factory.SubFactory(UserFactory)
    main_category = factory.SubFactory(CategoryFactory)
    city = "武汉"
    grade = Store.Grade.B
    wallet_upgraded = True

    @factory.post_generation
    def add_owner_as_member(obj, create, extracted, **kwargs):
        if create:
            obj.members.add(obj.owner)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    category = factory.SubFactory(CategoryFactory)
    price = Decimal("99.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    product = factory.SubFactory(ProductFactory)
    store = factory.SelfAttribute("product.store")
    buyer_id = factory.Sequence(lambda n: f"buyer{n}")
    amount = Decimal("99.00")
    paid_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    channel = Order.Channel.TAOTE
    payment_method = Order.PaymentMethod.STANDARD
    status = Order.Status.PAID


class LedgerEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerEntry

    store = factory.SubFactory(StoreFactory)
    kind = LedgerEntry.Kind.TOPUP
    amount = Decimal("100.00")
    idempotency_key = factory.Sequence(lambda n: f"test-entry-{n}")


class StoreMetricsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreMetrics

    store = factory.SubFactory(StoreFactory)
    month = dt.date(2026, 10, 1)
    monthly_sales = Decimal("5000.00")
    dsr_score = Decimal("4.80")


class ViolationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Violation

    store = factory.SubFactory(StoreFactory)
    kind = Violation.Kind.FAKE_TRANSACTIONS
    occurred_at = factory.LazyFunction(timezone.now)
    detected_by = "test"


def merchant_token(user) -> str:
    return ApiToken.issue(user=user, kind=ApiToken.Kind.MERCHANT, name=user.username)[1]


def platform_token(name="order-service") -> str:
    user = UserFactory(username=f"platform:{name}")
    return ApiToken.issue(user=user, kind=ApiToken.Kind.PLATFORM, name=name)[1]
