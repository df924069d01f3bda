"""The operators' first page is the day's work (SPEC "Operators' cockpit"): each count links
to the admin list filtered to exactly those rows, and the page costs a fixed number of queries."""
import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config import timeutil
from logistics.models import SettlementBatch, SettlementRun
from merchants import cockpit
from merchants.models import Appeal, CreditApplication, RiskCheck, Violation
from paylater.models import FeeStatement, InvoiceRequest, Refusal
from refunds.models import RefundCase
from tests.factories import OrderFactory, StoreFactory, ViolationFactory
from tests.logistics.factories import ShipmentFactory
from tests.merchants.factories import CreditApplicationFactory
from tests.refunds.factories import open_case

pytestmark = pytest.mark.django_db

NOW = timeutil.local_at(dt.date(2026, 11, 20), 10)
H = dt.timedelta(hours=1)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_work(store):
    """Rows that belong in each worklist item, and their near misses that do not."""
    for due in (NOW - H, NOW + 3 * H, NOW + 30 * H):  # overdue, due within 24 h, neither
        CreditApplicationFactory(submitted_at=due - 7 * 24 * H, due_at=due)
    CreditApplicationFactory(due_at=NOW - H, status=CreditApplication.Status.REJECTED)
    ViolationFactory(store=store)
    ViolationFactory(store=store, status=Violation.Status.DISMISSED)
    due_soon = open_case(store, opened_at=NOW - 32 * H, paid_at=NOW - 60 * H)  # 36 h window: 4 h left
    open_case(store, opened_at=NOW - 20 * H, paid_at=NOW - 60 * H)  # 16 h left
    escalated = open_case(store, opened_at=NOW - 50 * H, paid_at=NOW - 60 * H)
    RefundCase.objects.filter(pk=escalated.pk).update(status=RefundCase.Status.ESCALATED,
                                                      escalated_at=NOW - 26 * H)
    disputed = open_case(store, opened_at=NOW - 50 * H, paid_at=NOW - 60 * H)  # a contested return (SPEC §6)
    RefundCase.objects.filter(pk=disputed.pk).update(status=RefundCase.Status.RETURN_DISPUTED)
    for status in (InvoiceRequest.Status.REQUESTED, InvoiceRequest.Status.ISSUED):
        statement = FeeStatement.objects.create(store=StoreFactory(), month=dt.date(2026, 10, 1))
        InvoiceRequest.objects.create(statement=statement, title="T", tax_id="9142", status=status,
                                      invoice_number="" if status == "requested" else "N1",
                                      issued_at=None if status == "requested" else NOW)
    for shipped, picked in ((NOW - 30 * H, None), (NOW - 2 * H, None), (NOW - 30 * H, NOW - 29 * H)):
        ShipmentFactory(order=OrderFactory(store=store, paid_at=shipped - H), shipped_at=shipped, picked_up_at=picked)
    SettlementRun.objects.create(week=dt.date(2026, 11, 9), status=SettlementRun.Status.FAILED)
    stuck = SettlementRun.objects.create(week=dt.date(2026, 11, 2), started_at=NOW - 2 * H, batches_total=1)
    SettlementBatch.objects.create(run=stuck, number=1, store_ids=[], dispatched_at=NOW - 2 * H)  # lost worker
    young = SettlementRun.objects.create(week=dt.date(2026, 10, 26), started_at=NOW - 2 * dt.timedelta(minutes=1),
                                         batches_total=1)
    SettlementBatch.objects.create(run=young, number=1, store_ids=[], dispatched_at=NOW - 2 * dt.timedelta(minutes=1))
    for status in (Appeal.Status.PENDING, Appeal.Status.UPHELD):
        violation = ViolationFactory(store=store, status=Violation.Status.CONFIRMED, confirmed_at=NOW - 2 * H)
        Appeal.objects.create(violation=violation, store=store, statement="not us", submitted_at=NOW - H,
                              status=status)
    for months in (("breach",), ("breach", "warning")):  # latest breach; a store that has recovered to warning
        risky = StoreFactory()
        for i, status in enumerate(months):
            RiskCheck.objects.create(store=risky, month=dt.date(2026, 9 + i, 1), status=status,
                                     severity={"warning": 1, "breach": 2}[status])
    for address in ("", "武汉市洪山区"):  # agreed by the timeout, with and without an address
        waiting = open_case(store, opened_at=NOW - 50 * H, paid_at=NOW - 60 * H)
        RefundCase.objects.filter(pk=waiting.pk).update(status=RefundCase.Status.AWAITING_RETURN,
                                                        decided_at=NOW - 14 * H, return_address=address)
    lost = StoreFactory()  # two limit refusals today: one store; another code, or 25 h ago: near misses
    for at, code, where in ((NOW - H, "credit_limit_exceeded", lost), (NOW - 2 * H, "credit_limit_exceeded", lost),
                            (NOW - H, "buyer_not_eligible", StoreFactory()),
                            (NOW - 25 * H, "credit_limit_exceeded", StoreFactory())):
        Refusal.objects.create(store=where, amount=Decimal("500.00"), code=code, available=Decimal("100.00"),
                               buyer_id="b1", at=at)
    busy = SettlementRun.objects.create(week=dt.date(2026, 10, 19), started_at=NOW - 2 * H, batches_total=2)
    SettlementBatch.objects.create(run=busy, number=1, store_ids=[], status=SettlementBatch.Status.DONE,
                                   finished_at=NOW - 5 * dt.timedelta(minutes=1))
    return due_soon


def counts_on_first_page(admin_client):
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    return {href.replace("&amp;", "&"): int(n) for href, n in re.findall(
        r'<a href="([^"]+)" data-cockpit-item="\d+">\s*<span class="cockpit-count">(\d+)</span>', html)}


def test_each_count_equals_the_rows_of_its_linked_list(now, admin_client):
    make_work(StoreFactory())
    counts = counts_on_first_page(admin_client)
    assert len(counts) == len(cockpit.work_items()) == 13
    for href, n in counts.items():
        listed = admin_client.get(href)
        assert listed.status_code == 200, href
        assert listed.context["cl"].result_count == n, href
        # the near misses stay out of every item; runs: one failed, one stuck
        assert n == (2 if "attention" in href else 1), href


def test_escalated_cases_show_how_long_the_oldest_has_waited(now, admin_client):
    make_work(StoreFactory())
    assert "26 h 0 min" in admin_client.get("/admin/").content.decode()


def test_charts_sum_incentives_exposure_refund_kpis_and_violations(now, admin_client):
    store = StoreFactory(base_limit=Decimal("134100.00"))
    make_work(store)
    html = admin_client.get("/admin/").content.decode()
    for title in ("Incentives paid per week", "Pay-later exposure against the sum of limits",
                  "Refund rates over the platform", "Violations by kind"):
        assert title in html
    assert "¥134,100.00" in html
    assert "cdn" not in html.lower()


def test_the_first_page_costs_the_same_queries_for_little_or_much_work(now, admin_client):
    make_work(StoreFactory())
    admin_client.get("/admin/")  # policies created on first read, session warmed
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/")
    for _ in range(4):
        make_work(StoreFactory())
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/")
    assert len(many) == len(few)
