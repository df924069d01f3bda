"""`seed_demo` (issue 24 item 10, issue 23 item 8, decision 0062): the demo shows every branch an
operator meets, each made by the services a real day calls; a second run — every `make run` does
one — changes no row anywhere; and no store but the demo's is touched, on either run. Seeded on
1 March 2027, the day the old month loop skipped January."""
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config import timeutil
from logistics.models import AdCreditGrant, WeeklyResult
from merchants.applications.models import CreditApplication
from merchants.management.commands.seed_demo import STORES, metric_months
from merchants.models import LedgerEntry, Order, Store, StoreMetrics, Violation
from merchants.violations import imports
from merchants.violations.models import Appeal, Sanction
from merchants.webhooks.models import WebhookDelivery
from paylater import selectors as paylater_selectors
from paylater.models import Activity, InvoiceRequest
from paylater.models import Enrollment as PaylaterEnrollment
from refunds.models import Negotiation, RefundCase
from tests.factories import LedgerEntryFactory, OrderFactory, StoreFactory, StoreMetricsFactory
from tests.logistics.conftest import default_tiers  # noqa: F401  (the SPEC tiers, which a flush removes)
from tests.refunds.factories import open_case

pytestmark = pytest.mark.django_db

FIRST_OF_MARCH = timeutil.local_at(dt.date(2027, 3, 1), 9, 30)


@pytest.mark.parametrize("today, months", [
    (dt.date(2027, 3, 1), ["2026-12", "2027-01", "2027-02"]),  # old loop: 2026-11, 2026-12, 2027-02
    (dt.date(2027, 3, 3), ["2026-12", "2027-01", "2027-02"]),
    (dt.date(2026, 12, 1), ["2026-09", "2026-10", "2026-11"]),  # the 1st after a 30-day month
    (dt.date(2026, 10, 1), ["2026-07", "2026-08", "2026-09"]),
    (dt.date(2026, 7, 31), ["2026-04", "2026-05", "2026-06"]),
    (dt.date(2027, 1, 1), ["2026-10", "2026-11", "2026-12"]),
])
def test_metrics_are_seeded_for_three_consecutive_calendar_months(today, months):
    assert [f"{m:%Y-%m}" for m in metric_months(timeutil.local_at(today, 0, 30))] == months


def _snapshot() -> dict:
    """Every table's row count and a digest of all its rows (PostgreSQL)."""
    out = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            name = connection.ops.quote_name(table)
            cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                           f"FROM {name} t")
            out[table] = cursor.fetchone()
    return out


def _rows_of(store) -> dict:
    """Every row anywhere that belongs to the store (any model, history included, with a `store` FK),
    and the store's own row."""
    rows = {"store": list(Store.objects.filter(pk=store.pk).values())}
    for model in apps.get_models():
        if any(f.name == "store" and f.is_relation for f in model._meta.get_fields()):
            rows[model._meta.label] = list(model._default_manager.filter(store_id=store.pk).order_by("pk").values())
    rows["store history"] = list(Store.history.filter(id=store.pk).values())
    return rows


def _other_store():
    """A real merchant, not the demo's: metrics for the closed months (the old seed evaluated every
    store), pay-later fees in February (the old seed generated every store's statements) and a
    refund case long past its decision deadline (the old seed ran the whole timeout sweep)."""
    store = StoreFactory(name="武汉旗舰店")
    for month in metric_months(FIRST_OF_MARCH):
        StoreMetricsFactory(store=store, month=month)
    paid = timeutil.local_at(dt.date(2027, 2, 10), 10)
    OrderFactory(store=store, product__store=store, payment_method=Order.PaymentMethod.PAYLATER, paid_at=paid,
                 fee=Decimal("2.97"))
    LedgerEntryFactory(store=store, kind=LedgerEntry.Kind.PAYLATER_FEE, amount=Decimal("-2.97"), created_at=paid)
    open_case(store, opened_at=timeutil.local_at(dt.date(2027, 2, 20), 10),
              paid_at=timeutil.local_at(dt.date(2027, 2, 18), 10))
    return store


def test_seed_demo_shows_every_branch_and_a_second_run_changes_nothing(admin_client, admin_user):
    with time_machine.travel(FIRST_OF_MARCH):
        admin_client.force_login(admin_user)  # a session from today would have expired by 2027
        other = _other_store()
        before_other = _rows_of(other)
        call_command("seed_demo", stdout=StringIO())
        assert _rows_of(other) == before_other, "the demo touched a store that is not the demo's"
        _assert_every_branch()
        _assert_template_example_previews_as_create(admin_client)
        first = _snapshot()
    with time_machine.travel(FIRST_OF_MARCH + dt.timedelta(days=3)):
        call_command("seed_demo", stdout=StringIO())
        changed = {table for table, digest in _snapshot().items() if first.get(table) != digest}
    assert changed == set(), f"a second run changed {sorted(changed)}"
    assert _rows_of(other) == before_other


def _assert_every_branch():
    demo = Store.objects.filter(name__startswith="演示店铺")
    assert set(demo.values_list("city", flat=True)) == {"武汉", "孝感", "荆州", "襄阳", "宜昌"}  # one name per city
    assert len(STORES) == demo.count() == 12
    for store in demo:
        assert sorted(StoreMetrics.objects.filter(store=store).values_list("month", flat=True)) == \
            [dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 2, 1)]
    # violations and sanctions
    now = timezone.now()
    in_force = set(Sanction.objects.filter(store__in=demo, ends_at__gt=now, revoked_at__isnull=True)
                   .values_list("kind", flat=True))
    assert in_force == {Sanction.Kind.CREDIT_FREEZE, Sanction.Kind.RAISE_BAN, Sanction.Kind.PAYLATER_SUSPENSION}
    statuses = set(Violation.objects.filter(store__in=demo).values_list("status", flat=True))
    assert {"pending_review", "confirmed", "dismissed", "revoked"} <= statuses
    assert Appeal.objects.filter(store__in=demo, status=Appeal.Status.PENDING).exists()
    # applications
    apps_ = CreditApplication.objects.filter(store__in=demo)
    assert set(apps_.values_list("status", flat=True)) == {"pending", "approved", "rejected"}
    assert set(apps_.filter(status="pending").values_list("recommendation", flat=True)) == {"approve", "reject"}
    assert apps_.filter(status="approved", step1_at__isnull=False).exists(), "no activation step"
    # pay-later
    activities = paylater_selectors.activities_with_status(Activity.objects.filter(store__in=demo), at=now)
    assert {"active", "ended", "not_started"} <= set(activities.values_list("status", flat=True))
    assert InvoiceRequest.objects.filter(statement__store__in=demo).exists()
    assert PaylaterEnrollment.objects.filter(store__in=demo, status="refused").exists()
    assert Order.objects.filter(store__in=demo, payment_method="paylater", status="cancelled").exists()
    assert Order.objects.filter(store__in=demo, payment_method="paylater", status="advanced").exists()
    # refunds
    cases = RefundCase.objects.filter(store__in=demo)
    assert {"pending", "awaiting_return", "return_received", "refunded", "rejected", "escalated", "closed",
            "cancelled"} <= set(cases.values_list("status", flat=True))
    assert set(cases.exclude(judgement="").values_list("judgement", flat=True)) == {"seller_responsible",
                                                                                   "buyer_responsible"}
    assert {"open", "accepted"} <= set(Negotiation.objects.filter(case__store__in=demo)
                                       .values_list("status", flat=True))
    # logistics
    results = WeeklyResult.objects.filter(store__in=demo)
    assert results.filter(status="paid", tier=Decimal("0.30"), payout="cash").exists()
    assert results.filter(status="disqualified", clawed_back_at__isnull=True, tier__isnull=False).exists()
    assert results.filter(status="disqualified", clawed_back_at__isnull=False).exists()
    assert results.filter(status="no_incentive").exists()
    assert AdCreditGrant.objects.filter(store__in=demo, revoked_at__isnull=True).exists()
    assert AdCreditGrant.objects.filter(store__in=demo, revoked_at__isnull=False).exists()
    # webhooks
    deliveries = set(WebhookDelivery.objects.filter(endpoint__store__in=demo).values_list("status", flat=True))
    assert {"delivered", "failed"} <= deliveries


def _assert_template_example_previews_as_create(admin_client):
    response = admin_client.get("/admin/merchants/violation/import/template.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    [plan] = imports.import_plan(imports.read_table("template.csv", response.content))
    assert (plan.outcome, plan.reasons) == ("create", [])
    assert plan.store.name.startswith("演示店铺")
