"""Factories for the credit, application and violation tests."""
import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from merchants.models import CreditApplication, CreditEvaluation, Holiday, Sanction
from tests.factories import StoreFactory, ViolationFactory


class CreditEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditEvaluation

    store = factory.SubFactory(StoreFactory)
    month = dt.date(2026, 10, 1)
    monthly_sales = Decimal("5000.00")
    sales_source = CreditEvaluation.SalesSource.INGESTED
    score = Decimal("0")
    store_health = Decimal("0")
    capital_turnover = Decimal("0")
    risk_control = Decimal("0")
    market = Decimal("0")
    base_limit = Decimal("15000.00")


class CreditApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditApplication

    store = factory.SubFactory(StoreFactory)
    requested_limit = Decimal("50000.00")
    business_license_no = "91420100MA4KXYZ12Q"
    legal_rep_id_no = "420102199001011234"
    bank_account = "6222020200112233445"
    submitted_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda o: o.submitted_at + dt.timedelta(days=7))
    effective_limit_at_submission = Decimal("0.00")
    recommendation = CreditApplication.Recommendation.APPROVE
    suggested_limit = Decimal("50000.00")


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday
        django_get_or_create = ["date"]

    date = dt.date(2026, 10, 1)
    name = "国庆节"


class SanctionFactory(factory.django.DjangoModelFactory):
    """A credit freeze in force for 30 days from now, from a confirmed violation."""

    class Meta:
        model = Sanction

    store = factory.SubFactory(StoreFactory)
    violation = factory.SubFactory(ViolationFactory, store=factory.SelfAttribute("..store"),
                                   status="confirmed")
    kind = Sanction.Kind.CREDIT_FREEZE
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=30))
