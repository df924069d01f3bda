"""Monthly risk self-check (SPEC §5, §6): each point at its warning and limit boundaries — a
value exactly at the warning level does not warn (24.00 h keeps the 24-hour promise, 28 days is
the industry average), the limit itself breaches (以上 includes the number); DSR warns below
4.5 — computed with the evaluation, set-based per batch."""
import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merchants.credit.services import evaluate_month
from merchants.models import Order, RiskCheck, RiskPolicy, Store
from merchants.risk.services import risk_check_stores
from merchants.webhooks.models import WebhookEvent
from merchants.webhooks.services import endpoint_create
from tests.factories import OrderFactory, StoreFactory, StoreMetricsFactory

pytestmark = pytest.mark.django_db
AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (8, 9, 10, 11))
DEC_2 = dt.datetime(2026, 12, 2, 12, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def _only_ingested_metrics(no_metric_providers):
    """The values here are the ingested ones."""


def check(store, month=OCT):
    risk_check_stores(store_ids=[store.pk], month=month)
    return RiskCheck.objects.get(store=store, month=month)


def point(store, code, month=OCT):
    return next(p for p in check(store, month).points if p["code"] == code)


HIGHER_IS_WORSE = ["ok", "ok", "warning", "warning", "breach"]  # below, at and above the warning level, …


def metric_cases(code, field, values, transform=lambda v: v, statuses=HIGHER_IS_WORSE):
    return [(code, field, transform(Decimal(v)), status) for v, status in zip(values, statuses, strict=True)]


CASES = [
    *metric_cases("dispute_rate", "dispute_rate", ["0.0119", "0.0120", "0.0121", "0.0179", "0.0180"]),
    *metric_cases("return_rate", "return_rate", ["0.0999", "0.1000", "0.1001", "0.1499", "0.1500"]),
    *metric_cases("late_shipment_rate", "on_time_rate", ["0.1499", "0.1500", "0.1501", "0.2999", "0.3000"],
                  lambda v: 1 - v),
    *metric_cases("dsr", "dsr_score", ["4.50", "4.49", "4.00", "3.99"], statuses=["ok", "warning", "warning",
                                                                                  "breach"]),
    *metric_cases("complaint_response_hours", "complaint_response_hours", ["23.99", "24.00", "24.01", "47.99", "48"]),
    *metric_cases("inventory_turnover_days", "inventory_turnover_days", ["27.99", "28", "28.01", "44.99", "45"]),
]


@pytest.mark.parametrize("code, field, value, status", CASES,
                         ids=[f"{c[0]}={c[2]}→{c[3]}" for c in CASES])
def test_each_point_at_its_warning_and_limit_boundaries(store, code, field, value, status):
    StoreMetricsFactory(store=store, month=OCT, **{"dsr_score": None, field: value})
    assert point(store, code)["status"] == status
    assert check(store).status == status  # the only point with a value is the worst


@pytest.mark.parametrize("advanced, value, status", [("999", "0.0999", "ok"), ("1000", "0.1000", "ok"),
                                                      ("1001", "0.1001", "warning"), ("2999", "0.2999", "warning"),
                                                      ("3000", "0.3000", "breach")])
def test_unrecovered_advances_over_the_effective_limit_at_its_boundaries(store, advanced, value, status):
    Store.objects.filter(pk=store.pk).update(base_limit=Decimal("10000.00"))
    OrderFactory(product__store=store, amount=Decimal(advanced), status=Order.Status.ADVANCED)
    OrderFactory(product__store=store, amount=Decimal("5000"), status=Order.Status.ADVANCED,
                 advance_recovered_at=DEC_2)  # recovered: no longer counts
    p = point(store, "unrecovered_advances")
    assert (p["value"], p["status"], p["warning_at"], p["limit_at"]) == (value, status, "0.1000", "0.3000")


def test_advances_with_no_limit_at_all_breach(store):
    OrderFactory(product__store=store, amount=Decimal("10"), status=Order.Status.ADVANCED)
    assert point(store, "unrecovered_advances")["status"] == "breach"


def test_dsr_falling_three_months_running_warns_even_above_45(store):
    for month, dsr in ((AUG, "4.90"), (SEP, "4.80"), (OCT, "4.70")):
        StoreMetricsFactory(store=store, month=month, dsr_score=Decimal(dsr))
    p = point(store, "dsr")
    assert (p["value"], p["status"], p["falling_3_months"]) == ("4.70", "warning", True)


def test_dsr_not_strictly_falling_is_ok(store):
    for month, dsr in ((AUG, "4.80"), (SEP, "4.80"), (OCT, "4.70")):
        StoreMetricsFactory(store=store, month=month, dsr_score=Decimal(dsr))
    assert point(store, "dsr")["status"] == "ok"


def test_a_store_with_no_data_is_ok_with_null_values_and_has_all_seven_points(store):
    c = check(store)
    assert c.status == "ok" and {p["code"] for p in c.points} == {
        "dispute_rate", "return_rate", "late_shipment_rate", "dsr", "unrecovered_advances",
        "complaint_response_hours", "inventory_turnover_days"}
    assert next(p for p in c.points if p["code"] == "dispute_rate")["value"] is None


def test_levels_are_a_policy(store):
    StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.0150"))
    assert check(store).status == "warning"
    policy = RiskPolicy.current()
    policy.dispute_rate_limit = Decimal("0.0150")
    policy.save()
    assert check(store).status == "breach"


def emitted_by(action):
    """The webhook events (outbox rows) written while `action` runs."""
    last = WebhookEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action()
    return list(WebhookEvent.objects.filter(id__gt=last).order_by("id"))


def test_every_month_in_warning_or_breach_emits_one_event_staying_in_warning_included(store):
    """SPEC §6: one `risk_check.warning` per month whose check warns or breaches, not only when
    the status rises; a re-check of the same month emits again only when it got worse."""
    endpoint_create(store=store, url="http://127.0.0.1:9/hooks", events=["risk_check.warning"])
    metrics = {m: StoreMetricsFactory(store=store, month=m, dsr_score=None) for m in (AUG, SEP, OCT, NOV)}

    def run(month, dispute):
        metrics[month].dispute_rate = Decimal(dispute)
        metrics[month].save()
        return [(e.store_id, e.type, e.data["month"], e.data["status"])
                for e in emitted_by(lambda: check(store, month))]

    assert run(AUG, "0.0120") == []  # exactly at the warning level: ok
    assert run(SEP, "0.0130") == [(store.pk, "risk_check.warning", "2026-09", "warning")]
    assert run(SEP, "0.0130") == []  # the same month re-checked, no worse
    assert run(OCT, "0.0140") == [(store.pk, "risk_check.warning", "2026-10", "warning")]  # still in warning
    assert run(NOV, "0.0200") == [(store.pk, "risk_check.warning", "2026-11", "breach")]
    assert run(NOV, "0.0010") == []  # back to ok
    metrics[OCT].dispute_rate = Decimal("0.0300")
    metrics[OCT].save()
    seen = emitted_by(lambda: check(store, OCT))
    assert seen[0].data["month"] == "2026-10" and seen[0].data["status"] == "breach"
    assert {"code": "dispute_rate", "value": "0.0300", "warning_at": "0.0120", "limit_at": "0.0180",
            "status": "breach"} in seen[0].data["points"]


def test_the_monthly_evaluation_and_its_command_run_the_self_check(store):
    StoreMetricsFactory(store=store, month=OCT, return_rate=Decimal("0.2"))
    with time_machine.travel(DEC_2):
        evaluate_month(month=OCT)
        assert RiskCheck.objects.get(store=store, month=OCT).status == "breach"
        call_command("evaluate_credit_limits", "--month", "2026-11")
    assert RiskCheck.objects.get(store=store, month=NOV).status == "ok"


def test_the_self_check_is_set_based_queries_do_not_grow_with_the_batch():
    few = [StoreFactory() for _ in range(2)]
    many = [StoreFactory() for _ in range(20)]
    for s in few + many:
        StoreMetricsFactory(store=s, month=OCT, dispute_rate=Decimal("0.02"))
    risk_check_stores(store_ids=[few[0].pk], month=SEP)  # creates the policy row
    with CaptureQueriesContext(connection) as small:
        risk_check_stores(store_ids=[s.pk for s in few], month=OCT)
    with CaptureQueriesContext(connection) as big:
        risk_check_stores(store_ids=[s.pk for s in many], month=OCT)
    assert len(big) == len(small) and len(small) <= 15
    assert RiskCheck.objects.filter(status="breach").count() == 22


def test_merchants_read_the_latest_or_a_chosen_month(store, other_store, merchant_api):
    url = f"/api/v1/merchant/stores/{store.pk}/risk-checks/"
    assert merchant_api.get(url).status_code == 404
    StoreMetricsFactory(store=store, month=SEP, dispute_rate=Decimal("0.0121"))
    StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.0010"))
    check(store, SEP), check(store, OCT)
    latest = merchant_api.get(url).json()
    assert latest["month"] == "2026-10" and latest["status"] == "ok"
    sep = merchant_api.get(url, {"month": "2026-09"}).json()
    assert sep["status"] == "warning"
    assert {"code": "dispute_rate", "value": "0.0121", "warning_at": "0.0120", "limit_at": "0.0180",
            "status": "warning"} in sep["points"]
    assert merchant_api.get(url, {"month": "2026-13x"}).status_code == 400
    assert merchant_api.get(url, {"month": "2026-08"}).status_code == 404
    assert merchant_api.get(f"/api/v1/merchant/stores/{other_store.pk}/risk-checks/").status_code == 404


def test_operators_list_stores_worst_first_with_a_six_month_trend_in_fixed_queries(client):
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "pw"))
    url = "/admin/merchants/storerisk/"

    def make(n, dispute):
        stores = [StoreFactory(name=f"{dispute}-{i}") for i in range(n)]
        for s in stores:
            for month in (AUG, SEP, OCT):
                StoreMetricsFactory(store=s, month=month, dispute_rate=Decimal(dispute))
                risk_check_stores(store_ids=[s.pk], month=month)
        return stores

    make(1, "0.0010")
    make(1, "0.0200")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    names = [n for n in ("0.0010-0", "0.0200-0") if n.encode() in page.content]
    assert page.content.index(b"0.0200-0") < page.content.index(b"0.0010-0") and len(names) == 2
    assert page.content.count("●".encode()) == 6
    make(5, "0.0130")
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)
    assert client.get(url, {"risk": "breach"}).content.count(b"0.0200-") >= 1


def test_operators_read_each_point_by_name_with_rates_as_percentages(client, store):
    """Not `dispute_rate 0.0200 0.0120 0.0180`: the point's name in the operator's language, rates
    as percentages, hours and days as they are."""
    client.force_login(get_user_model().objects.create_superuser("op", "op@example.com", "pw"))
    StoreMetricsFactory(store=store, month=OCT, dispute_rate=Decimal("0.0200"), complaint_response_hours=Decimal("60"))
    checked = check(store)
    page = client.get(f"/admin/merchants/riskcheck/{checked.pk}/change/").content.decode()
    assert "<td>dispute rate</td><td>2.00%</td><td>1.20%</td><td>1.80%</td>" in page
    assert "<td>complaint response (hours)</td><td>60.00</td><td>24.00</td><td>48.00</td>" in page
    assert ">dispute_rate<" not in page
    zh = client.get(f"/admin/merchants/riskcheck/{checked.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "<td>纠纷率</td><td>2.00%</td>" in zh
    assert "纠纷率: 2.00%" in client.get("/admin/merchants/storerisk/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_ingesting_metrics_for_the_latest_closed_month_re_checks_the_store(store, platform_api):
    with time_machine.travel(DEC_2):
        r = platform_api.post(f"/api/v1/platform/stores/{store.pk}/metrics/",
                              {"month": "2026-11", "monthly_sales": "1000.00", "dispute_rate": "0.0200"},
                              format="json")
    assert r.status_code == 201
    assert RiskCheck.objects.get(store=store, month=NOV).status == "breach"
