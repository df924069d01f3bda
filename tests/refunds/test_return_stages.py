"""SPEC §6, return time by stage: logistics tracking reports when the return parcel reached the
merchant (`POST /platform/refund-cases/{id}/return-delivered/`), and the refund KPIs give the
mean hours of the five stages — agree (opened → agreed), buyer mailing (agreed → shipped),
transit (shipped → delivered), inspection (delivered → receipt confirmed), refund (confirmed →
refunded) — over the cases of the return-and-refund completion hours, each stage over the cases
where both its moments are known; the merchant's three are marked."""
import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime

from config import timeutil
from refunds import services
from refunds.admin_stages import stages_table
from refunds.models import RefundCase
from refunds.returns import refund_case_return_delivered
from refunds.selectors import store_refund_kpis
from refunds.services import Actor, refund_timeouts_run
from tests.conftest import Api
from tests.factories import StoreFactory, merchant_token
from tests.refunds.factories import T0, open_case, order_for

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 20)
H = dt.timedelta(hours=1)


def at(month, day, hour, minute=0):
    return timeutil.local_at(dt.date(2026, month, day), hour, minute)


def shipped_return(store, *, opened=T0, agreed=T0 + 2 * H, shipped=T0 + 24 * H):
    case = open_case(order=order_for(store, paid_at=opened - 24 * H), type="return_refund", opened_at=opened)
    services.refund_case_agree(case_id=case.pk, actor=Actor.merchant(store.owner), return_address="仓", at=agreed)
    services.refund_case_return_shipped(case_id=case.pk, actor=Actor.buyer(case.buyer_id), tracking_no="SF1",
                                        at=shipped)
    return RefundCase.objects.get(pk=case.pk)


def delivered(api, case, moment):
    return api.post(f"/api/v1/platform/refund-cases/{case.pk}/return-delivered/",
                    {"delivered_at": moment.isoformat()}, format="json")


# --- the platform reports the delivery ------------------------------------------------------------
def test_logistics_records_when_the_return_reached_the_merchant_with_a_history_row(clock, platform_api, store):
    case = shipped_return(store)
    clock.move_to(T0 + 48 * H)

    r = delivered(platform_api, case, T0 + 40 * H)

    assert r.status_code == 200, r.content
    assert parse_datetime(r.json()["return_delivered_at"]) == T0 + 40 * H
    case.refresh_from_db()
    assert case.return_delivered_at == T0 + 40 * H and case.status == RefundCase.Status.AWAITING_RETURN
    assert case.receipt_confirm_deadline == T0 + 24 * H + dt.timedelta(days=10)  # no clock moves
    row = case.history.first()
    assert row.history_change_reason == "logistics: tracking — return delivered"
    assert row.history_user is not None and row.return_delivered_at == T0 + 40 * H


def test_delivered_at_the_moment_of_shipping_is_accepted_a_second_earlier_is_refused(clock, platform_api, store):
    case, other = shipped_return(store), shipped_return(store)
    clock.move_to(T0 + 48 * H)

    early = delivered(platform_api, case, T0 + 24 * H - dt.timedelta(seconds=1))

    assert early.status_code == 400 and early.json()["code"] == "delivered_before_shipped"
    assert RefundCase.objects.get(pk=case.pk).return_delivered_at is None
    assert delivered(platform_api, other, T0 + 24 * H).status_code == 200


def test_after_receipt_a_late_report_counts_up_to_the_confirmation_moment(clock, platform_api, store):
    case, other = shipped_return(store), shipped_return(store)
    for c in (case, other):
        services.refund_case_return_received(case_id=c.pk, actor=Actor.merchant(store.owner), at=T0 + 30 * H)
    clock.move_to(T0 + 48 * H)

    late = delivered(platform_api, case, T0 + 30 * H + dt.timedelta(seconds=1))

    assert late.status_code == 400 and late.json()["code"] == "delivered_after_receipt"
    assert RefundCase.objects.get(pk=case.pk).return_delivered_at is None
    assert delivered(platform_api, other, T0 + 30 * H).status_code == 200
    assert RefundCase.objects.get(pk=other.pk).return_delivered_at == T0 + 30 * H


def test_a_case_with_no_return_shipped_is_a_conflict(clock, platform_api, store):
    refund_only = open_case(store, type="refund_only")
    agreed = open_case(store, type="return_refund")
    services.refund_case_agree(case_id=agreed.pk, actor=Actor.merchant(store.owner), return_address="仓")

    for case in (refund_only, agreed):
        r = delivered(platform_api, case, T0)
        assert r.status_code == 409 and r.json()["code"] == "invalid_state"
        assert RefundCase.objects.get(pk=case.pk).return_delivered_at is None


def test_the_same_report_again_changes_nothing_and_another_moment_is_a_conflict(clock, platform_api, store):
    case = shipped_return(store)
    clock.move_to(T0 + 48 * H)
    assert delivered(platform_api, case, T0 + 40 * H).status_code == 200
    rows = case.history.count()

    assert delivered(platform_api, case, T0 + 40 * H).status_code == 200
    moved = delivered(platform_api, case, T0 + 41 * H)

    assert moved.status_code == 409 and moved.json()["code"] == "invalid_state"
    assert RefundCase.objects.get(pk=case.pk).return_delivered_at == T0 + 40 * H
    assert case.history.count() == rows


def test_bad_input_is_a_400_with_a_code_and_stores_nothing(clock, platform_api, store):
    case = shipped_return(store)
    clock.move_to(T0 + 48 * H)
    url = f"/api/v1/platform/refund-cases/{case.pk}/return-delivered/"

    for body in ({}, {"delivered_at": "yesterday"}, {"delivered_at": "2026-11-21T12:00:00"}):  # naive: no offset
        r = platform_api.post(url, body, format="json")
        assert r.status_code == 400 and r.json()["code"] == "invalid", (body, r.content)
    five_minutes = delivered(platform_api, shipped_return(store), T0 + 48 * H + dt.timedelta(minutes=5))
    future = delivered(platform_api, case, T0 + 48 * H + dt.timedelta(minutes=5, seconds=1))

    assert five_minutes.status_code == 200  # clock skew allowed, as for every event time
    assert future.status_code == 400 and future.json()["code"] == "timestamp_in_future"
    assert RefundCase.objects.get(pk=case.pk).return_delivered_at is None
    assert platform_api.post("/api/v1/platform/refund-cases/999999/return-delivered/",
                             {"delivered_at": T0.isoformat()}, format="json").status_code == 404


def test_only_the_platform_reports_deliveries(clock, merchant_api, store):
    case = shipped_return(store)
    clock.move_to(T0 + 48 * H)
    assert delivered(merchant_api, case, T0 + 40 * H).status_code in (401, 403)
    assert RefundCase.objects.get(pk=case.pk).return_delivered_at is None


# --- the five stages in the refund KPIs ------------------------------------------------------------
STAGES = ["agree", "buyer_mailing", "transit", "inspection", "refund"]


@pytest.fixture
def staged_store():
    """Three return cases refunded in the 30 days ending 2026-11-20 (hours per stage):
      a: agree 2, mailing 22, transit 30, inspection 4, refund 6     (every moment known)
      b: agree 4, mailing 8, no delivery report, refund 10           (transit, inspection unknown)
      c: agree 6, mailing 18, transit 24, never confirmed: the sweep refunded it (inspection, refund
         unknown)
    and, not counted: a refund-only case, a return refunded the day after the window, a return
    judged seller-responsible after an escalation, another store's return."""
    with time_machine.travel(at(11, 25, 12), tick=False):
        store = StoreFactory()
        merchant, logistics = Actor.merchant(store.owner), Actor.logistics()
        a = shipped_return(store, opened=at(11, 1, 10), agreed=at(11, 1, 12), shipped=at(11, 2, 10))
        refund_case_return_delivered(case_id=a.pk, actor=logistics, delivered_at=at(11, 3, 16))
        services.refund_case_return_received(case_id=a.pk, actor=merchant, at=at(11, 3, 20))
        services.refund_case_refund(case_id=a.pk, actor=merchant, at=at(11, 4, 2))
        b = shipped_return(store, opened=at(11, 5, 10), agreed=at(11, 5, 14), shipped=at(11, 5, 22))
        services.refund_case_return_received(case_id=b.pk, actor=merchant, at=at(11, 7, 10))
        services.refund_case_refund(case_id=b.pk, actor=merchant, at=at(11, 7, 20))
        c = shipped_return(store, opened=at(11, 8, 10), agreed=at(11, 8, 16), shipped=at(11, 9, 10))
        refund_case_return_delivered(case_id=c.pk, actor=logistics, delivered_at=at(11, 10, 10))
        assert refund_timeouts_run(now=at(11, 19, 10)).unconfirmed_returns_refunded == 1

        refund_only = open_case(order=order_for(store, paid_at=at(11, 1, 9)), type="refund_only",
                                opened_at=at(11, 2, 10))
        services.refund_case_agree(case_id=refund_only.pk, actor=merchant, at=at(11, 2, 11))
        after = shipped_return(store, opened=at(11, 19, 10), agreed=at(11, 19, 11), shipped=at(11, 19, 12))
        services.refund_case_return_received(case_id=after.pk, actor=merchant, at=at(11, 20, 20))
        services.refund_case_refund(case_id=after.pk, actor=merchant, at=at(11, 21, 1))
        judged = open_case(order=order_for(store, paid_at=at(11, 1, 9)), type="return_refund",
                           opened_at=at(11, 3, 10))
        services.refund_case_reject(case_id=judged.pk, actor=merchant, reason="no", at=at(11, 3, 11))
        services.refund_case_escalate(case_id=judged.pk, actor=Actor.buyer("b"), at=at(11, 3, 12))
        services.refund_case_judge(case_id=judged.pk, actor=Actor("operator: op"), seller_responsible=True,
                                   at=at(11, 3, 13))
        other = StoreFactory()
        x = shipped_return(other, opened=at(11, 1, 10), agreed=at(11, 1, 11), shipped=at(11, 1, 12))
        services.refund_case_return_received(case_id=x.pk, actor=Actor.merchant(other.owner), at=at(11, 1, 13))
        services.refund_case_refund(case_id=x.pk, actor=Actor.merchant(other.owner), at=at(11, 1, 14))
    return store


def test_each_stage_is_the_mean_over_the_cases_where_both_its_moments_are_known(staged_store):
    kpis = store_refund_kpis(store_ids=[staged_store.pk], as_of=AS_OF)[staged_store.pk]

    assert kpis["return_refund_stages"] == {
        "agree": {"hours": Decimal("4.00"), "cases": 3, "merchant": True},          # (2 + 4 + 6) / 3
        "buyer_mailing": {"hours": Decimal("16.00"), "cases": 3, "merchant": False},  # (22 + 8 + 18) / 3
        "transit": {"hours": Decimal("27.00"), "cases": 2, "merchant": False},      # (30 + 24) / 2
        "inspection": {"hours": Decimal("4.00"), "cases": 1, "merchant": True},     # a alone
        "refund": {"hours": Decimal("8.00"), "cases": 2, "merchant": True},         # (6 + 10) / 2
    }
    # the same three cases as the completion hours: (64 + 58 + 264) / 3
    assert kpis["return_refund_completion_hours"] == Decimal("128.67")


def test_a_store_with_no_return_refunded_has_null_hours_and_the_merchant_stages_marked():
    store = StoreFactory()
    stages = store_refund_kpis(store_ids=[store.pk], as_of=AS_OF)[store.pk]["return_refund_stages"]
    assert stages == {name: {"hours": None, "cases": 0, "merchant": name in ("agree", "inspection", "refund")}
                      for name in STAGES}


def test_the_merchant_reads_the_stages_in_one_sql_aggregation(staged_store):
    api = Api().with_token(merchant_token(staged_store.owner))
    url = f"/api/v1/merchant/stores/{staged_store.pk}/refund-metrics/?as_of=2026-11-20"

    with CaptureQueriesContext(connection) as queries:
        r = api.get(url)

    assert r.status_code == 200, r.content
    assert r.json()["return_refund_stages"]["transit"] == {"hours": "27.00", "cases": 2, "merchant": False}
    assert r.json()["return_refund_stages"]["inspection"] == {"hours": "4.00", "cases": 1, "merchant": True}
    on_cases = [q["sql"] for q in queries.captured_queries if "refunds_refundcase" in q["sql"]]
    assert len(on_cases) == 1 and "GROUP BY" in on_cases[0]


def test_the_api_schema_documents_the_stages_and_the_delivery_report(platform_api):
    schema = platform_api.get("/api/schema/?format=json").json()
    stages = schema["components"]["schemas"]["ReturnStagesOut"]["properties"]
    assert set(stages) == set(STAGES)
    operation = schema["paths"]["/api/v1/platform/refund-cases/{id}/return-delivered/"]["post"]
    assert {"200", "400", "404", "409"} <= set(operation["responses"])


# --- the store's refund-KPI page -------------------------------------------------------------------
SLOWEST_ROW = re.compile(r'<tr style="background[^"]*"><td>([^<]*)</td>')


@pytest.mark.parametrize(("language", "transit", "slowest", "hours"), [
    ("en", "transit (shipped → delivered)", "slowest", "27 h 0 min"),
    ("zh-hans", "运输（寄出 → 送达）", "最慢", "27 小时 0 分钟")])
def test_the_store_kpi_page_shows_the_stages_with_the_slowest_highlighted(staged_store, admin_client, language,
                                                                           transit, slowest, hours):
    with time_machine.travel(at(11, 20, 23), tick=False):
        r = admin_client.get(f"/admin/refunds/storerefundkpi/{staged_store.pk}/change/",
                             HTTP_ACCEPT_LANGUAGE=language)

    assert r.status_code == 200
    html = r.content.decode()
    assert SLOWEST_ROW.findall(html) == [transit]  # 27 h, the only one marked
    assert html.count(f"<td>{slowest}</td>") == 1 and f"<td>{hours}</td>" in html


def test_stages_at_the_same_largest_mean_are_all_marked_and_none_without_any_case():
    stages = {name: {"hours": Decimal("5.00") if name in ("agree", "refund") else Decimal("1.00"), "cases": 1,
                     "merchant": True} for name in STAGES}
    assert len(SLOWEST_ROW.findall(stages_table(stages))) == 2
    empty = {name: {"hours": None, "cases": 0, "merchant": False} for name in STAGES}
    assert SLOWEST_ROW.findall(stages_table(empty)) == []


def test_the_case_page_shows_when_the_return_was_delivered(clock, platform_api, admin_client, store):
    case = shipped_return(store)
    clock.move_to(T0 + 48 * H)
    assert delivered(platform_api, case, at(11, 22, 8, 20)).status_code == 200

    r = admin_client.get(f"/admin/refunds/refundcase/{case.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")

    html = r.content.decode()
    assert r.status_code == 200 and "Return delivered at" in html and "2026-11-22 08:20" in html
