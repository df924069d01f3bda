"""Row builders for the admin changelist query-count test: `BUILDERS[model](n)` makes n rows
of the model, each with what its changelist shows of it (a store's sanction and ledger, a
case's negotiation, a statement's invoice…), and returns them. `FIXED` models have one row
per choice by design; policies (SingletonPolicyAdmin) have their one row."""
import datetime as dt
from decimal import Decimal

import factory
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from config.models import ApiToken, Heartbeat
from logistics import models as logistics
from merchants import models as merchants
from merchants.credit.services import ensure_default_indicators
from paylater import models as paylater
from refunds import models as refunds
from tests.factories import (
    CategoryFactory,
    LedgerEntryFactory,
    OrderFactory,
    ProductFactory,
    StoreFactory,
    StoreMetricsFactory,
    UserFactory,
    ViolationFactory,
)
from tests.logistics import factories as lf
from tests.merchants.factories import (
    CreditEvaluationFactory,
    HolidayFactory,
    SanctionFactory,
)
from tests.paylater import factories as pf
from tests.refunds.factories import NegotiationFactory, RefundCaseFactory, rules_for

from .list_rows import credit_applications


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"group {n}")


class IntervalScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntervalSchedule

    every = factory.Sequence(lambda n: n + 1)
    period = IntervalSchedule.MINUTES


class PeriodicTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodicTask

    name = factory.Sequence(lambda n: f"task {n}")
    task = "config.tasks.heartbeat"
    interval = factory.SubFactory(IntervalScheduleFactory)


class CrontabScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrontabSchedule

    minute = factory.Sequence(lambda n: str(n % 60))
    hour = factory.Sequence(lambda n: str(n % 24))
    timezone = "Asia/Shanghai"


class SolarScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SolarSchedule

    event = "sunrise"
    latitude = factory.Sequence(lambda n: Decimal("30.5") + Decimal(n) / 100)
    longitude = Decimal("114.3")


class ClockedScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClockedSchedule

    clocked_time = factory.Sequence(lambda n: timezone.now() + dt.timedelta(hours=n + 1))


def _each(n, make):
    return [make(i) for i in range(n)]


def stores(n):
    """Stores with a ledger entry and a credit freeze in force each."""
    def make(_i):
        store = StoreFactory()
        LedgerEntryFactory(store=store)
        SanctionFactory(store=store)
        return store
    return _each(n, make)


def categories(n):
    """Sub-categories of one parent, with a product each."""
    parent = CategoryFactory()
    store = StoreFactory(main_category=parent)
    return _each(n, lambda _i: ProductFactory(store=store, category=CategoryFactory(parent=parent)).category)


def refund_kpi_stores(n):
    """Stores with a case refunded within the KPI window."""
    now = timezone.now()
    return _each(n, lambda _i: RefundCaseFactory(
        store=StoreFactory(), opened_at=now - dt.timedelta(days=2), status=refunds.RefundCase.Status.REFUNDED,
        decided_at=now - dt.timedelta(days=1), refunded_at=now - dt.timedelta(days=1)).store)


def activities(n):
    def make(_i):
        activity = pf.ActivityFactory()
        pf.ActivityItemFactory.create_batch(2, activity=activity)
        return activity
    return _each(n, make)


def settlement_runs(n):
    return _each(n, lambda _i: lf.SettlementBatchFactory(run=lf.SettlementRunFactory()).run)


def penalty_rules():
    return [merchants.PenaltyRule.for_kind(kind) for kind in merchants.Violation.Kind.values]


def credit_indicators():
    ensure_default_indicators()
    return list(merchants.CreditIndicator.objects.all())


def axes_rows(model, n):
    """django-axes' login records (attempts, failures, logins) from different addresses."""
    common = dict(user_agent="Mozilla/5.0", http_accept="text/html", path_info="/admin/login/",
                  attempt_time=timezone.now())
    extra = dict(get_data="", post_data="", failures_since_start=3) if model is AccessAttempt else {}
    return _each(n, lambda i: model.objects.create(username=f"op{model.objects.count()}",
                                                   ip_address=f"10.0.{i // 250}.{i % 250 + 1}", **common, **extra))


def appeals(n):
    """Pending appeals on confirmed violations of different stores."""
    now = timezone.now()

    def make(_i):
        violation = ViolationFactory(status=merchants.Violation.Status.CONFIRMED, confirmed_at=now)
        return merchants.Appeal.objects.create(violation=violation, store=violation.store, statement="not us",
                                               submitted_at=now)
    return _each(n, make)


def risk_checks(n):
    """Breaches of different stores, two months each (the store list shows the trend)."""
    points = [{"code": "dispute_rate", "value": "0.0300", "warning_at": "0.0120", "limit_at": "0.0180",
               "status": "breach"}]

    def make(_i):
        store = StoreFactory()
        merchants.RiskCheck.objects.create(store=store, month=dt.date(2026, 9, 1), status="warning", severity=1,
                                           points=points)
        return merchants.RiskCheck.objects.create(store=store, month=dt.date(2026, 10, 1), status="breach",
                                                  severity=2, points=points)
    return _each(n, make)


def webhook_endpoints(n):
    from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create

    return _each(n, lambda i: endpoint_create(store=StoreFactory(), url=f"http://127.0.0.1:9/{i}",
                                              events=SUBSCRIBABLE))


def webhook_deliveries(n):
    """Deliveries of events of several stores, each with an attempt."""
    from merchants.webhooks.models import EventType, WebhookAttempt
    from merchants.webhooks.services import endpoint_create, endpoint_ping

    def make(i):
        endpoint = endpoint_create(store=StoreFactory(), url=f"http://127.0.0.1:9/{i}",
                                   events=[EventType.VIOLATION_OPENED])
        delivery = endpoint_ping(endpoint=endpoint)
        WebhookAttempt.objects.create(delivery=delivery, status_code=500, latency_ms=12, response_excerpt="boom")
        return delivery
    return _each(n, make)


def evidence_rows(n):
    def make(i):
        evidence = refunds.Evidence.objects.create(case=RefundCaseFactory(), side="merchant", statement="缺件",
                                                   added_at=timezone.now(), added_by_label="merchant: m")
        refunds.EvidenceFile.objects.create(evidence=evidence, name="a.jpg", content_type="image/jpeg", size=10,
                                            sha256="0" * 64, storage_key=f"rows/{evidence.pk}.jpg")
        return evidence
    return _each(n, make)


def contest_rows(n):
    return _each(n, lambda _i: refunds.Contest.objects.create(
        case=RefundCaseFactory(status=refunds.RefundCase.Status.RETURN_DISPUTED), reason="missing_items",
        statement="缺件", contested_at=timezone.now()))


BUILDERS = {
    AccessAttempt: lambda n: axes_rows(AccessAttempt, n),
    AccessFailureLog: lambda n: axes_rows(AccessFailureLog, n),
    AccessLog: lambda n: axes_rows(AccessLog, n),
    merchants.Appeal: appeals,
    merchants.RiskCheck: lambda n: [c for c in risk_checks(n)],
    merchants.StoreRisk: lambda n: [merchants.StoreRisk.objects.get(pk=c.store_id) for c in risk_checks(n)],
    merchants.EcoPackaging: lambda n: _each(n, lambda _i: merchants.EcoPackaging.objects.create(
        store=StoreFactory(), verified=True)),
    merchants.WebhookEndpoint: webhook_endpoints,
    merchants.WebhookDelivery: webhook_deliveries,
    # Django and django-celery-beat
    Group: lambda n: GroupFactory.create_batch(n),
    UserFactory._meta.model: lambda n: UserFactory.create_batch(n),
    PeriodicTask: lambda n: PeriodicTaskFactory.create_batch(n),
    ClockedSchedule: lambda n: ClockedScheduleFactory.create_batch(n),
    CrontabSchedule: lambda n: CrontabScheduleFactory.create_batch(n),
    SolarSchedule: lambda n: SolarScheduleFactory.create_batch(n),
    IntervalSchedule: lambda n: IntervalScheduleFactory.create_batch(n),
    # config
    ApiToken: lambda n: _each(n, lambda i: ApiToken.issue(user=UserFactory(), kind=ApiToken.Kind.MERCHANT,
                                                          name=f"token {i}")[0]),
    Heartbeat: lambda n: [Heartbeat.objects.create(name=f"beat-{Heartbeat.objects.count()}", at=timezone.now())
                          for _i in range(n)],
    # merchants
    merchants.CreditApplication: lambda n: credit_applications(UserFactory(), n),
    merchants.Holiday: lambda n: _each(n, lambda _i: HolidayFactory(
        date=dt.date(2000, 1, 1) + dt.timedelta(days=merchants.Holiday.objects.count()))),
    merchants.StoreMetrics: lambda n: StoreMetricsFactory.create_batch(n),
    merchants.CreditEvaluation: lambda n: CreditEvaluationFactory.create_batch(n),
    merchants.LedgerEntry: lambda n: LedgerEntryFactory.create_batch(n, created_by=UserFactory()),
    merchants.Order: lambda n: OrderFactory.create_batch(n),
    merchants.Category: categories,
    merchants.Store: stores,
    merchants.Product: lambda n: ProductFactory.create_batch(n),
    merchants.Violation: lambda n: ViolationFactory.create_batch(n),
    # paylater
    paylater.FeeRate: lambda n: pf.FeeRateFactory.create_batch(n),
    paylater.Enrollment: lambda n: pf.EnrollmentFactory.create_batch(n),
    paylater.Activity: activities,
    paylater.ActivityItem: lambda n: pf.ActivityItemFactory.create_batch(n),
    paylater.FeeStatement: lambda n: [pf.InvoiceRequestFactory().statement for _i in range(n)],
    paylater.InvoiceRequest: lambda n: pf.InvoiceRequestFactory.create_batch(n),
    paylater.Refusal: lambda n: pf.RefusalFactory.create_batch(n),
    # refunds
    refunds.RefundCase: lambda n: [NegotiationFactory().case for _i in range(n)],
    refunds.RefundRules: lambda n: _each(n, lambda _i: rules_for(StoreFactory(), return_address="武汉市")),
    refunds.StoreRefundKpi: refund_kpi_stores,
    refunds.Evidence: lambda n: evidence_rows(n),
    refunds.Contest: lambda n: contest_rows(n),
    # logistics
    logistics.IncentiveTier: lambda n: lf.IncentiveTierFactory.create_batch(n),
    logistics.LogisticsProfile: lambda n: lf.LogisticsProfileFactory.create_batch(n),
    logistics.Enrollment: lambda n: lf.EnrollmentFactory.create_batch(n),
    logistics.Shipment: lambda n: lf.ShipmentFactory.create_batch(n),
    logistics.WeeklyResult: lambda n: lf.WeeklyResultFactory.create_batch(n, run=lf.SettlementRunFactory()),
    logistics.SettlementRun: settlement_runs,
    logistics.AdCreditGrant: lambda n: lf.AdCreditGrantFactory.create_batch(n),
}

FIXED = {
    merchants.PenaltyRule: penalty_rules,
    merchants.CreditIndicator: credit_indicators,
}
