"""Row builders for the merchant list query-count test: for each list path, `build(user, n)`
makes n rows the merchant `user` sees on that list (rows of their own store), each carrying
what the list shows of it (an activity's items, a case's negotiation, a statement's invoice…),
and returns them."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from logistics.models import Enrollment as LogisticsEnrollment
from merchants.models import CreditApplication, Store, Violation
from refunds.models import Evidence, EvidenceFile, RefundCase
from tests.factories import LedgerEntryFactory, OrderFactory, ProductFactory, StoreFactory, ViolationFactory
from tests.logistics.factories import EnrollmentFactory as LogisticsEnrollmentFactory
from tests.logistics.factories import SettlementRunFactory, ShipmentFactory, WeeklyResultFactory
from tests.merchants.factories import CreditApplicationFactory, CreditEvaluationFactory, SanctionFactory
from tests.paylater.factories import (
    ActivityFactory,
    ActivityItemFactory,
    FeeStatementFactory,
    InvoiceRequestFactory,
    PaylaterOrderFactory,
    RefusalFactory,
)
from tests.refunds.factories import NegotiationFactory, RefundCaseFactory


def own_store(user):
    """The merchant's store (made the first time)."""
    return Store.objects.filter(members=user).order_by("id").first() or StoreFactory(owner=user)


def approved(**kwargs):
    """Approved 10 days ago from a 20000 limit to 50000, half of it active."""
    now = timezone.now()
    return dict(status=CreditApplication.Status.APPROVED, decided_at=now - dt.timedelta(days=10),
                granted_limit=Decimal("50000.00"), effective_limit_at_approval=Decimal("20000.00"),
                step1_at=now - dt.timedelta(days=5), **kwargs)


def stores(user, n):
    """Stores with everything their credit, wallet and score read: an evaluation, a ledger
    entry, a credit freeze in force, an approved limit increase and a pay-later order."""
    built = []
    for _i in range(n):
        store = StoreFactory(owner=user)
        CreditEvaluationFactory(store=store)
        LedgerEntryFactory(store=store)
        SanctionFactory(store=store)
        CreditApplicationFactory(store=store, **approved())
        PaylaterOrderFactory(store=store, product=ProductFactory(store=store))
        built.append(store)
    return built


def credit_applications(user, n):
    """Approved applications (the richest output: activation progress), one pay-later order each."""
    store = own_store(user)
    built = CreditApplicationFactory.create_batch(n, store=store, **approved(operating_data=[
        {"month": "2026-10", "monthly_sales": "5000.00", "dsr_score": "4.80", "score": "60.00"}]))
    PaylaterOrderFactory.create_batch(n, store=store, product=ProductFactory(store=store))
    return built


def ledger_entries(user, n):
    return LedgerEntryFactory.create_batch(n, store=own_store(user))


def logistics_enrollments(user, n):
    """Past (cancelled) enrollments: a store has at most one active one."""
    return LogisticsEnrollmentFactory.create_batch(n, store=own_store(user),
                                                   status=LogisticsEnrollment.Status.CANCELLED,
                                                   cancelled_at=timezone.now())


def shipments(user, n):
    store = own_store(user)
    return [ShipmentFactory(order=OrderFactory(store=store, product=ProductFactory(store=store)))
            for _i in range(n)]


def weekly_results(user, n):
    store = own_store(user)
    return [WeeklyResultFactory(store=store, run=SettlementRunFactory()) for _i in range(n)]


def activities(user, n):
    """Activities of two items each."""
    store = own_store(user)
    built = ActivityFactory.create_batch(n, store=store)
    for activity in built:
        ActivityItemFactory.create_batch(2, activity=activity)
    return built


def activity_items(user, n):
    store = own_store(user)
    return [ActivityItemFactory(activity=ActivityFactory(store=store)) for _i in range(n)]


def fee_statements(user, n):
    """Statements whose invoice was requested."""
    store = own_store(user)
    return [InvoiceRequestFactory(statement=FeeStatementFactory(store=store)).statement for _i in range(n)]


def paylater_orders(user, n):
    store = own_store(user)
    return [PaylaterOrderFactory(store=store, product=ProductFactory(store=store)) for _i in range(n)]


def paylater_refusals(user, n):
    store = own_store(user)
    return RefusalFactory.create_batch(n, store=store)


def products(user, n):
    """Products, each in a pay-later activity (so eligibility has something to find)."""
    store = own_store(user)
    return [ActivityItemFactory(activity=ActivityFactory(store=store)).product for _i in range(n)]


def refund_cases(user, n):
    """Pending cases with an open negotiation each."""
    store = own_store(user)
    return [NegotiationFactory(case=RefundCaseFactory(store=store)).case for _i in range(n)]


def case_evidence(user, n):
    """Evidence entries (a file each) on one case of the merchant's store; the list is nested under
    the case (`{id}` is filled by `list_path`)."""
    store = own_store(user)
    case = RefundCase.objects.filter(store=store).first() or RefundCaseFactory(store=store)
    made = []
    for _i in range(n):
        evidence = Evidence.objects.create(case=case, side="buyer", statement="破损", added_at=timezone.now(),
                                           added_by_label="buyer: b")
        EvidenceFile.objects.create(evidence=evidence, name="a.png", content_type="image/png", size=10,
                                    sha256="0" * 64, storage_key=f"rows/{evidence.pk}.png")
        made.append(evidence)
    return made


def list_path(path, built, user):
    """A nested list's path with its parent filled in: the refund case of the rows built, or else
    one of the caller's stores."""
    if "{id}" not in path:
        return path
    parent = built[0].case_id if built and hasattr(built[0], "case_id") else own_store(user).pk
    return path.replace("{id}", str(parent))


def violations(user, n):
    """Confirmed violations with the penalty they applied."""
    penalty = {"fine_rate": "0.5000", "effective_limit": "10000.00", "credit_frozen_until": "2026-12-31T00:00:00+08:00",
               "raise_banned_until": None, "paylater_suspended_until": None, "grade_before": "B", "grade_after": "C",
               "no_logistics_incentive_that_week": True}
    return ViolationFactory.create_batch(n, store=own_store(user), status=Violation.Status.CONFIRMED,
                                         confirmed_at=timezone.now(), penalty=penalty,
                                         fine_amount=Decimal("5000.00"))


def webhook_endpoints(user, n):
    from merchants.webhooks.services import SUBSCRIBABLE, endpoint_create

    store = own_store(user)
    return [endpoint_create(store=store, url=f"http://127.0.0.1:9/hooks/{i}", events=SUBSCRIBABLE) for i in range(n)]


def webhook_deliveries(user, n):
    """Deliveries of n events to one endpoint of the merchant's store."""
    from merchants.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
    from merchants.webhooks.services import endpoint_create, event_emit_many

    store = own_store(user)
    WebhookEndpoint.objects.filter(store=store).update(enabled=False)  # only the new one receives these
    endpoint = endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=[EventType.VIOLATION_OPENED])
    event_emit_many(events=[(store.pk, EventType.VIOLATION_OPENED, {"n": i}) for i in range(n)])
    return list(WebhookDelivery.objects.filter(endpoint=endpoint))


M = "/api/v1/merchant/"
BUILDERS = {
    f"{M}stores/": stores,
    f"{M}webhook-endpoints/": webhook_endpoints,
    f"{M}webhook-deliveries/": webhook_deliveries,
    f"{M}credit-applications/": credit_applications,
    f"{M}ledger-entries/": ledger_entries,
    f"{M}logistics/enrollment/": logistics_enrollments,
    f"{M}logistics/shipments/": shipments,
    f"{M}logistics/weekly-results/": weekly_results,
    f"{M}paylater/activities/": activities,
    f"{M}paylater/activity-items/": activity_items,
    f"{M}paylater/fee-statements/": fee_statements,
    f"{M}paylater/orders/": paylater_orders,
    f"{M}stores/{{id}}/paylater-refusals/list/": paylater_refusals,
    f"{M}products/": products,
    f"{M}refund-cases/": refund_cases,
    f"{M}refund-cases/{{id}}/evidence/": case_evidence,
    f"{M}violations/": violations,
}
